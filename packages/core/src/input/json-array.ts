import { errorMessage, MedusaError } from "../errors.ts";
import { limits } from "../limits.ts";
import { decodeUtf8 } from "./text-lines.ts";

type Phase = "before" | "open" | "next" | "value" | "after";

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const describe = (ch: string | undefined) => (ch === undefined ? "end of file" : `'${ch}'`);
const fail = (offset: number, what: string) => new MedusaError("bad_request", `offset ${offset}: ${what}`);

/**
 * Finds the elements of one top-level JSON array in text that arrives in
 * pieces, without parsing the whole document: it tracks only which brackets are
 * open and whether it is inside a string, and hands each complete element's text to
 * JSON.parse. Offsets in errors count characters from the start of the file.
 */
export class JsonArrayScanner {
  private phase: Phase = "before";
  private offset = 0;
  /** The brackets open inside the current element, so a mismatch is caught where it happens. */
  private closers: number[] = [];
  private inString = false;
  private escaped = false;
  private parts: string[] = [];
  private partsLength = 0;
  private elementStart = 0;

  constructor(private readonly maxElementChars = limits.inputLineChars) {}

  /** Feeds the next piece of text; returns the elements it completed. */
  push(text: string): unknown[] {
    const out: unknown[] = [];
    let segment = -1; // where the current element starts within `text`, when it does
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const at = this.offset + i;
      switch (this.phase) {
        case "before":
          if (isSpace(c)) continue;
          if (c !== 0x5b) throw fail(at, `expected a JSON array, found ${describe(text[i])}`);
          this.phase = "open";
          continue;
        case "after":
          if (isSpace(c)) continue;
          throw fail(at, `unexpected ${describe(text[i])} after the array`);
        case "open":
        case "next":
          if (isSpace(c)) continue;
          if (c === 0x5d && this.phase === "open") {
            this.phase = "after";
            continue;
          }
          if (c === 0x5d || c === 0x2c) throw fail(at, `expected a value, found ${describe(text[i])}`);
          this.phase = "value";
          this.elementStart = at;
          segment = i;
          this.closers = [];
          this.inString = false;
          this.escaped = false;
          i -= 1; // scan this character again as part of the value
          continue;
        case "value": {
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === 0x5c) this.escaped = true;
            else if (c === 0x22) this.inString = false;
            continue;
          }
          if (c === 0x22) this.inString = true;
          else if (c === 0x5b) this.closers.push(0x5d);
          else if (c === 0x7b) this.closers.push(0x7d);
          else if (this.closers.length > 0) {
            if ((c === 0x5d || c === 0x7d) && this.closers.pop() !== c) throw fail(at, `unexpected '${text[i]}'`);
          } else if (c === 0x7d) throw fail(at, "unexpected '}'");
          else if (c === 0x2c || c === 0x5d) {
            // Only reached outside any bracket of the element: it ends here.
            out.push(this.finishElement(text.slice(Math.max(segment, 0), i)));
            segment = -1;
            this.phase = c === 0x2c ? "next" : "after";
          }
          continue;
        }
      }
    }
    if (this.phase === "value") {
      const rest = text.slice(Math.max(segment, 0));
      this.partsLength += rest.length;
      if (this.partsLength > this.maxElementChars) {
        throw fail(this.elementStart, `element is longer than ${this.maxElementChars / (1024 * 1024)} MiB`);
      }
      this.parts.push(rest);
    }
    this.offset += text.length;
    return out;
  }

  /** Call at end of input: fails unless exactly one whole array was seen. */
  end(): void {
    if (this.phase === "after") return;
    if (this.phase === "before") throw fail(this.offset, "expected a JSON array, found end of file");
    throw fail(this.offset, "the array is not terminated (end of file)");
  }

  private finishElement(tail: string): unknown {
    let source = tail;
    if (this.parts.length > 0) {
      this.parts.push(tail);
      source = this.parts.join("");
      this.parts = [];
    }
    this.partsLength = 0;
    if (source.length > this.maxElementChars) {
      throw fail(this.elementStart, `element is longer than ${this.maxElementChars / (1024 * 1024)} MiB`);
    }
    try {
      return JSON.parse(source);
    } catch (err) {
      throw fail(this.elementStart, errorMessage(err));
    }
  }
}

/** The elements of the top-level JSON array in a UTF-8 byte stream, one at a time. */
export async function* readJsonArray(stream: ReadableStream<Uint8Array>, maxElementChars = limits.inputLineChars): AsyncGenerator<unknown> {
  const scanner = new JsonArrayScanner(maxElementChars);
  const reader = decodeUtf8(stream).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* scanner.push(value);
    }
    scanner.end();
  } finally {
    await reader.cancel().catch(() => {});
  }
}
