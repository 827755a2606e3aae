/** A put's body as non-empty chunks; stopping early (too large, a failed write) cancels the producer too. */
export async function* chunksOf(body: ReadableStream<Uint8Array> | Uint8Array | string): AsyncGenerator<Uint8Array> {
  if (typeof body === "string") return yield new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return yield body;
  const reader = body.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.byteLength > 0) yield value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
