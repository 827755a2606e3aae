import type { z } from "zod";
import { call, MedusaError, subjects, type Bus } from "@medusa/core";

/**
 * A job's results. Map results are stored per chunk as one JSON array text;
 * they leave as JSON Lines, one item per line, fetched a page of chunks at a
 * time and only when the reader wants more, so a result of a million items
 * never sits in memory at once.
 *
 * A done job gives every map result in input order (or, with a reduce, the
 * reduce value). A failed job gives what finished: the map results of the
 * chunks that were done, in input order, and in place of each chunk that was
 * not, one line `{"error": <the job's error>, "chunk": <index>}`; a failed
 * job with a reduce gives its map results so too.
 */
export const RESULTS_PAGE = 500;

type ResultsPage = z.infer<typeof subjects.jobResults.reply>;

export interface JobResultsBody {
  contentType: "application/json" | "application/x-ndjson";
  body: ReadableStream<Uint8Array> | string;
}

export async function jobResultsBody(bus: Bus, owner: string, jobId: string): Promise<JobResultsBody> {
  const first = await call(bus, subjects.jobResults, { owner, jobId, from: 0, limit: RESULTS_PAGE });
  if (first.state === "done") {
    if (first.hasReduce) return { contentType: "application/json", body: first.reduce ?? "null" };
    return { contentType: "application/x-ndjson", body: resultLines(bus, owner, jobId, first) };
  }
  if (first.state === "failed") return { contentType: "application/x-ndjson", body: resultLines(bus, owner, jobId, first) };
  throw new MedusaError("conflict", notReady(first.state), { state: first.state });
}

function notReady(state: string): string {
  if (state === "cancelled") return "job was cancelled: it will not finish, so it has no results";
  return `job is ${state}: its results can be read once it is done`;
}

/** Each chunk's items as JSON Lines, in chunk order, one page of chunks fetched per pull that needs it. */
function resultLines(bus: Bus, owner: string, jobId: string, first: ResultsPage): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page = first;
  /** The end of `page`'s range (a page cut short to fit one bus message says where), and the next index to write. */
  let end = first.through ?? RESULTS_PAGE;
  let index = 0;
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (index >= page.total) {
          controller.close();
          return;
        }
        if (index >= end) {
          page = await call(bus, subjects.jobResults, { owner, jobId, from: index, limit: RESULTS_PAGE });
          end = page.through ?? index + RESULTS_PAGE;
          pos = 0;
          continue;
        }
        const chunk = page.chunks[pos];
        let lines: string;
        if (chunk?.index === index) {
          pos += 1;
          lines = chunkLines(chunk.results, jobId, index);
        } else {
          // Only a failed job has chunks without results; each keeps its place.
          lines = JSON.stringify({ error: page.error ?? `job is ${page.state}`, chunk: index }) + "\n";
        }
        index += 1;
        if (lines) {
          controller.enqueue(encoder.encode(lines));
          return;
        }
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
