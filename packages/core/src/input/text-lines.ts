import { MedusaError } from "../errors.ts";
import { limits } from "../limits.ts";

/** UTF-8 bytes to text; a character split between reads is joined, not mangled. */
export function decodeUtf8(stream: ReadableStream<Uint8Array>): ReadableStream<string> {
  // The DOM typings disagree with Bun's on the decoder's writable side; at run time it is exactly this pair.
  return stream.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>);
}

export interface TextLine {
  /** 1-based, as an editor shows it. */
  number: number;
  text: string;
}

/**
 * Reads a UTF-8 byte stream line by line, holding at most one line and one
 * read at a time. Lines end in `\n` or `\r\n`; a last line without a newline
 * still counts, but the empty "line" after a final newline does not.
 * Length is measured in UTF-16 units, which never exceeds the UTF-8 byte length.
 */
export async function* readLines(stream: ReadableStream<Uint8Array>, maxLineChars = limits.inputLineChars): AsyncGenerator<TextLine> {
  const reader = decodeUtf8(stream).getReader();
  // A line split across reads is kept as parts and joined once, so a long line costs O(n), not O(n²).
  let parts: string[] = [];
  let pending = 0;
  let number = 0;
  const tooLong = () => new MedusaError("bad_request", `line ${number + 1} is longer than ${maxLineChars / (1024 * 1024)} MiB`);
  const finish = (tail: string): TextLine => {
    let text = tail;
    if (parts.length > 0) {
      parts.push(tail);
      text = parts.join("");
      parts = [];
      pending = 0;
    }
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.length > maxLineChars) throw tooLong();
    number += 1;
    return { number, text };
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let from = 0;
      for (let nl = value.indexOf("\n"); nl >= 0; nl = value.indexOf("\n", from)) {
        if (pending + (nl - from) > maxLineChars + 1) throw tooLong();
        yield finish(value.slice(from, nl));
        from = nl + 1;
      }
      if (from < value.length) {
        const rest = from === 0 ? value : value.slice(from);
        pending += rest.length;
        if (pending > maxLineChars + 1) throw tooLong();
        parts.push(rest);
      }
    }
    if (parts.length > 0) yield finish("");
  } finally {
    // Also runs when the consumer stops early: it releases the file instead of reading it to the end.
    await reader.cancel().catch(() => {});
  }
}
