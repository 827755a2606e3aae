import { call, isFinal, newId, subjects, type Bus, type JobRun, type JobStatus, type PackageSet, type JobSpec } from "@medusa/core";
import { JobWatch, waitUntilFinal } from "./job-watch.ts";
import { parseResultsArray, RESULTS_PAGE } from "./results-stream.ts";

export interface SubmitAndWait {
  owner: string;
  spec: JobSpec;
  packageSet?: PackageSet;
  /** Until when (ms) to hold the answer for the job to end. */
  deadline: number;
  signal?: AbortSignal;
}

/**
 * `POST /v1/jobs?wait=`: creates the job and waits for it to end. The
 * gateway names the job, so its events are listened to before the create
 * request goes out and a job that ends at once still rings. Ended within the
 * wait: `{ended: true, run}` with its status and results (one results read
 * for a small job, no getJob); still going: `{ended: false, status}`, what
 * the plain submit answers.
 */
export async function submitAndWait(bus: Bus, req: SubmitAndWait): Promise<{ ended: true; run: JobRun } | { ended: false; status: JobStatus }> {
  const { owner, spec, packageSet } = req;
  const jobId = newId("job");
  const watch = JobWatch.open(bus, jobId);
  let created: JobStatus;
  try {
    created = await call(bus, subjects.createJob, { owner, spec, jobId, ...(packageSet ? { packageSet } : {}) });
  } catch (err) {
    watch.stop();
    throw err;
  }
  const state = await waitUntilFinal(bus, owner, jobId, req.deadline, { watch, state: created.state, signal: req.signal });
  if (!isFinal(state)) return { ended: false, status: state === created.state ? created : await call(bus, subjects.getJob, { owner, jobId }) };
  return { ended: true, run: await jobRun(bus, owner, jobId) };
}

/** Most characters of stored results one answer carries; a job with more is read from the results route, which streams. */
export const RUN_RESULTS_CHARS = 1 << 20;

/**
 * An ended job's status with what `GET /results` would answer, as one JSON
 * value: one bus request for a job whose results fit one page. Results that
 * do not (more chunks than a page, a page cut short to fit one bus message,
 * or more than RUN_RESULTS_CHARS) are left out, for the reader to stream
 * from the results route.
 */
export async function jobRun(bus: Bus, owner: string, jobId: string): Promise<JobRun> {
  const page = await call(bus, subjects.jobResults, { owner, jobId, from: 0, limit: RESULTS_PAGE });
  const status = page.status ?? (await call(bus, subjects.getJob, { owner, jobId }));
  if (page.state === "cancelled") return status;
  if (page.state === "done" && page.hasReduce) return (page.reduce?.length ?? 0) > RUN_RESULTS_CHARS ? status : { ...status, reduce: JSON.parse(page.reduce ?? "null") };
  const chars = page.chunks.reduce((n, c) => n + c.results.length, 0);
  if (page.through !== undefined || page.total > RESULTS_PAGE || chars > RUN_RESULTS_CHARS) return status;
  const results: unknown[] = [];
  let pos = 0;
  for (let index = 0; index < page.total; index++) {
    const chunk = page.chunks[pos];
    if (chunk?.index === index) {
      pos += 1;
      for (const item of parseResultsArray(chunk.results, jobId, index)) results.push(item ?? null);
    } else {
      // Only a failed job has chunks without results; each keeps its place, as in the results route.
      results.push({ error: page.error ?? `job is ${page.state}`, chunk: index });
    }
  }
  return { ...status, results };
}
