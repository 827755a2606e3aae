import { JobEvent, type JobSpec } from "@medusa/core";
import type { MedusaClient } from "@medusa/client";
import type { z } from "zod";

/** Milliseconds from the start of the submit request to each step the client sees. */
export interface JobTimes {
  /** POST /v1/jobs answered (job created, splitting started; by `waitBy: "results"`, the job ended and its results came with it, unless it outlasted the wait). */
  accepted: number;
  /** First `chunk` event on the events socket; NaN if none arrived. */
  firstChunk: number;
  /** The final event (`done`, `failed`, `cancelled`) arrived, or the budget ran out. */
  final: number;
  /** GET /v1/jobs/{id}/results read to the end: the last result is in the client's hands. NaN unless done. */
  results: number;
}

export interface FinishedJob {
  id: string;
  /** `over_budget`: the bench cancelled the job when its time budget ran out. */
  state: "done" | "failed" | "cancelled" | "over_budget";
  error?: string;
  /** Chunks done by the last event seen. */
  chunksDone: number;
  results: unknown[];
  times: JobTimes;
}

export interface RunJobOptions {
  /** Past this, the job is cancelled and reported as `over_budget` with what it got done. */
  budgetMs?: number;
  /**
   * How the client waits: `events`, the events socket until the job ends and
   * then the results; `results`, submit and wait (`client.run`: one
   * `POST /v1/jobs?wait=` held until the job ends, the results route only if
   * it outlasts that), as a small job's caller would; no events seen.
   */
  waitBy?: "events" | "results";
}

/**
 * Submits a job and waits the way a user's client would: the events socket
 * until the job ends, then the results. Resolves once every result is read.
 */
export async function runJob(client: MedusaClient, spec: z.input<typeof JobSpec>, opts: RunJobOptions = {}): Promise<FinishedJob> {
  const budgetMs = opts.budgetMs ?? 600_000;
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  if (opts.waitBy === "results") return submitAndWait(client, spec, t0, budgetMs);
  const job = await client.submit(spec);
  const accepted = since();
  let firstChunk = Number.NaN;
  let chunksDone = 0;
  type Final = Extract<JobEvent, { type: "done" | "failed" | "cancelled" }>;
  const final = await new Promise<Final | "over_budget">((resolve, reject) => {
    const ws = new WebSocket(`${client.url.replace(/^http/, "ws")}/v1/jobs/${job.id}/events?token=${encodeURIComponent(client.apiKey ?? "")}`);
    let ended = false;
    const end = (outcome: Final | "over_budget") => {
      ended = true;
      clearTimeout(timer);
      resolve(outcome);
      ws.close();
    };
    const timer = setTimeout(() => end("over_budget"), Math.max(0, budgetMs - accepted));
    ws.onmessage = (m) => {
      if (ended) return;
      const event = JobEvent.parse(JSON.parse(String(m.data)));
      chunksDone = event.chunks.done;
      if (event.type === "chunk" && Number.isNaN(firstChunk)) firstChunk = since();
      if (event.type === "done" || event.type === "failed" || event.type === "cancelled") end(event);
    };
    ws.onerror = () => ended || (clearTimeout(timer), reject(new Error(`events socket of job ${job.id} failed`)));
    ws.onclose = () => ended || (clearTimeout(timer), reject(new Error(`events socket of job ${job.id} closed before the job ended`)));
  });
  const finalAt = since();
  const times = { accepted, firstChunk, final: finalAt, results: Number.NaN };
  if (final === "over_budget") {
    await client.cancel(job.id).catch(() => {});
    return { id: job.id, state: "over_budget", chunksDone, results: [], times };
  }
  if (final.type === "failed" || final.type === "cancelled") {
    return { id: job.id, state: final.type, error: final.type === "failed" ? final.error : undefined, chunksDone, results: [], times };
  }
  const results = await client.results(job.id);
  return { id: job.id, state: "done", chunksDone, results, times: { ...times, results: since() } };
}

/** Submit-and-wait (`client.run`); a job that ended otherwise, or ran past the budget, says so. */
async function submitAndWait(client: MedusaClient, spec: z.input<typeof JobSpec>, t0: number, budgetMs: number): Promise<FinishedJob> {
  const run = await client.run(spec, { wait: Math.max(1, Math.floor(budgetMs / 1000)) });
  const at = performance.now() - t0;
  const times = { accepted: at, firstChunk: Number.NaN, final: at, results: Number.NaN };
  const base = { id: run.id, chunksDone: run.chunks.done, results: [] as unknown[], times };
  if (run.state === "done") return { ...base, state: "done", results: run.results ?? [run.reduce], times: { ...times, results: at } };
  if (run.state === "failed" || run.state === "cancelled") return { ...base, state: run.state, error: run.error };
  await client.cancel(run.id).catch(() => {});
  return { ...base, state: "over_budget" };
}

export const python = (source: string) => ({ runtime: "python" as const, source });

/** The peers' `inc` (workloads.py). */
export const INC = python("def map(x):\n    return x + 1\n");
