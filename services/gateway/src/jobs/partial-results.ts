import type { z } from "zod";
import { call, subjects, type Bus } from "@medusa/core";
import { JobWatch, RECHECK_MS } from "./job-watch.ts";
import { parseResultsArray, RESULTS_PAGE } from "./results-stream.ts";

type ResultsPage = z.infer<typeof subjects.jobResults.reply>;

/** How soon after one read of a growing job the next may follow: a burst of chunk events costs one read. */
const REREAD_MS = 250;

export interface PartialOptions {
  /** Items of the prefix to leave out (the reader has them from an earlier request). */
  offset: number;
  /** Until when (ms) to keep the answer open for chunks still to come; now or earlier answers with what is there. */
  deadline: number;
}

/**
 * The completed prefix of a job's map results, as JSON Lines in input order:
 * chunk 0's items, then chunk 1's, and so on up to the first chunk that is not
 * done, whatever the job's state. Until `deadline` the answer stays open and
 * goes on as further chunks land. It ends when every chunk is done, when the
 * deadline passes, or when the job stops short: then its last line is
 * `{"error": <why>, "chunk": <the first chunk missing>}`, as in a failed job's
 * full results. A reader that got fewer items than it expected and no error
 * line asks again with `offset` = the items it has.
 */
export async function partialResultsBody(bus: Bus, owner: string, jobId: string, opts: PartialOptions): Promise<{ state: string; body: ReadableStream<Uint8Array> }> {
  // Read once before answering, so a stranger's or an unknown job is a plain 404.
  let page = await call(bus, subjects.jobResults, { owner, jobId, from: 0, limit: RESULTS_PAGE });
  const state = page.state;
  const encoder = new TextEncoder();
  /** Where the page read last ends: a page cut short to fit one bus message says where. */
  let pageEnd = page.through ?? RESULTS_PAGE;
  let fresh = true;
  let lastRead = Date.now();
  let index = 0;
  let skip = opts.offset;
  let watch: JobWatch | undefined;

  const read = async (from: number) => {
    const wait = lastRead + REREAD_MS - Date.now();
    if (wait > 0) await Bun.sleep(wait);
    page = await call(bus, subjects.jobResults, { owner, jobId, from, limit: RESULTS_PAGE });
    pageEnd = page.through ?? from + RESULTS_PAGE;
    fresh = true;
    lastRead = Date.now();
  };

  return {
    state,
    body: new ReadableStream<Uint8Array>({
      async pull(controller) {
        const end = (line?: string) => {
          watch?.stop();
          if (line) controller.enqueue(encoder.encode(line));
          controller.close();
        };
        for (;;) {
          if (index >= pageEnd) {
            await read(index);
            continue;
          }
          const chunk = page.chunks.find((c) => c.index === index);
          if (chunk) {
            index += 1;
            const lines = prefixLines(chunk.results, jobId, chunk.index, skip);
            skip = lines.skipLeft;
            if (lines.text) return controller.enqueue(encoder.encode(lines.text));
            continue;
          }
          if (page.state === "done" && index >= page.total) return end();
          if (!fresh) {
            await read(index);
            continue;
          }
          const stop = stoppedShort(page);
          if (stop) return end(JSON.stringify({ error: stop, chunk: index }) + "\n");
          const left = opts.deadline - Date.now();
          if (left <= 0) return end();
          watch ??= JobWatch.open(bus, jobId);
          await watch.next(Math.min(left, RECHECK_MS));
          fresh = false;
        }
      },
      cancel() {
        watch?.stop();
      },
    }),
  };
}

function stoppedShort(page: ResultsPage): string | undefined {
  if (page.state === "failed") return page.error ?? "job failed";
  if (page.state === "cancelled") return "job was cancelled";
  // A done job whose chunk is missing: its results expired.
  if (page.state === "done") return "job's results are gone";
  return undefined;
}

/** One chunk's items as JSON Lines, the first `skip` of them left out; the skip still owed to later chunks. */
function prefixLines(results: string, jobId: string, index: number, skip: number): { text: string; skipLeft: number } {
  const items = parseResultsArray(results, jobId, index);
  let text = "";
  for (let i = skip; i < items.length; i++) text += JSON.stringify(items[i] ?? null) + "\n";
  return { text, skipLeft: Math.max(0, skip - items.length) };
}
