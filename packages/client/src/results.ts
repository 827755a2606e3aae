/** JSON Lines, as the results routes answer them, read line by line as the bytes arrive. */
export async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const bytes of body) {
    rest += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line) yield JSON.parse(line);
    }
  }
  rest += decoder.decode();
  if (rest.trim()) yield JSON.parse(rest);
}

/** The line a results stream carries in place of a chunk that did not finish. */
export interface ChunkErrorLine {
  error: string;
  chunk: number;
}

export const isChunkError = (value: unknown): value is ChunkErrorLine =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 2 && typeof (value as ChunkErrorLine).error === "string" && typeof (value as ChunkErrorLine).chunk === "number";
