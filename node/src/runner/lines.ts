/** Raised when a peer sends a line longer than the reader accepts. */
export class LineTooLong extends Error {
  constructor(readonly max: number) {
    super(`line exceeds ${max} bytes`);
  }
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into text lines. Bytes are buffered until a newline,
 * so a line is decoded once, whole; `maxBytes` bounds what an untrusted peer
 * can make us hold.
 */
export async function* readLines(stream: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      if (pendingSize + piece.length > maxBytes) throw new LineTooLong(maxBytes);
      pending.push(piece);
      yield decoder.decode(pending.length === 1 ? pending[0] : Buffer.concat(pending));
      pending = [];
      pendingSize = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (pendingSize + rest.length > maxBytes) throw new LineTooLong(maxBytes);
      // Copy: the stream may reuse its buffer for the next chunk.
      pending.push(rest.slice());
      pendingSize += rest.length;
    }
  }
  if (pendingSize > 0) yield decoder.decode(Buffer.concat(pending));
}
