import type { z } from "zod";
import { call, MedusaError, subjects, type Bus } from "@medusa/core";

/**
 * A finished job's results. Map results are stored per chunk as one JSON
 * array text; they leave as JSON Lines, one item per line, fetched a page of
 * chunks at a time and only when the reader wants more, so a result of a
 * million items never sits in memory at once.
 */
export const RESULTS_PAGE = 500;

type ResultsPage = z.infer<typeof subjects.jobResults.reply>;

export interface JobResultsBody {
  contentType: "application/json" | "application/x-ndjson";
  body: ReadableStream<Uint8Array> | string;
}

export async function jobResultsBody(bus: Bus, owner: string, jobId: string): Promise<JobResultsBody> {
  const first = await call(bus, subjects.jobResults, { owner, jobId, from: 0, limit: RESULTS_PAGE });
  if (first.state !== "done") {
    throw new MedusaError("conflict", `job is ${first.state}; results are ready once it is done`, { state: first.state });
  }
  if (first.hasReduce) return { contentType: "application/json", body: first.reduce ?? "null" };
  return { contentType: "application/x-ndjson", body: resultLines(bus, owner, jobId, first) };
}

/** Each chunk's items as JSON Lines, in chunk order, one page of chunks fetched per pull that needs it. */
function resultLines(bus: Bus, owner: string, jobId: string, first: ResultsPage): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page: ResultsPage | null = first;
  let next = 0;
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (page && pos < page.chunks.length) {
          const chunk = page.chunks[pos++]!;
          next = chunk.index + 1;
          const lines = chunkLines(chunk.results, jobId, chunk.index);
          if (lines) {
            controller.enqueue(encoder.encode(lines));
            return;
          }
          continue;
        }
        if (!page || page.chunks.length === 0 || next >= page.total) {
          controller.close();
          return;
        }
        page = await call(bus, subjects.jobResults, { owner, jobId, from: next, limit: RESULTS_PAGE });
        pos = 0;
      }
    },
  });
}

/** One chunk's results text (a JSON array) as JSON Lines; "" for an empty chunk. */
export function chunkLines(results: string, jobId: string, index: number): string {
  const items = parseResultsArray(results, jobId, index);
  let out = "";
  for (const item of items) out += JSON.stringify(item ?? null) + "\n";
  return out;
}

export function parseResultsArray(results: string, jobId: string, index: number): unknown[] {
  const items: unknown = JSON.parse(results);
  if (!Array.isArray(items)) throw new MedusaError("internal", `job ${jobId} chunk ${index}: stored results are not a JSON array`);
  return items;
}
