import { newSecret, type DueSplit, type SplitClaim, type SplitTask } from "@medusa/core";
import { finalState, finishJob, jobRow, type SqliteParts, type Tx } from "./sqlite-job-state.ts";

/**
 * A job's split as a durable task in the SQLite chunk store, the twin of
 * lua/split-lease.lua and lua/requeue-splits.lua. Runs inside the store's
 * transactions; a split is open while its row exists.
 */
interface SplitRow {
  job_id: string;
  request: string;
  token: string;
  due_at: number;
  attempts: number;
  error: string;
  handed_back: number;
}

const splitRow = (p: SqliteParts, jobId: string) => p.sql("SELECT * FROM splits WHERE job_id = ?").get(jobId) as SplitRow | null;

export function createSplit(p: SqliteParts, jobId: string, split: SplitTask, now: number): void {
  p.sql("INSERT INTO splits (job_id, request, due_at) VALUES (?, ?, ?)").run(jobId, split.request, now + split.dueMs);
}

/** The split is over: the job is sealed or final. */
export function endSplit(p: SqliteParts, jobId: string): void {
  p.sql("DELETE FROM splits WHERE job_id = ?").run(jobId);
}

/** Whether `token` holds the job's open split. */
export function holdsSplit(p: SqliteParts, jobId: string, token: string): boolean {
  return splitRow(p, jobId)?.token === token;
}

/** An open split of a job that can still take chunks, or null. */
function openSplit(p: SqliteParts, jobId: string): SplitRow | null {
  const job = jobRow(p, jobId);
  if (!job || finalState(job.state) || job.sealed) return null;
  return splitRow(p, jobId);
}

export function claimSplit(p: SqliteParts, jobId: string, holder: string, now: number, leaseMs: number): SplitClaim | null {
  const split = openSplit(p, jobId);
  if (!split || (split.token !== "" && split.due_at > now)) return null;
  const token = newSecret("split");
  p.sql("UPDATE splits SET token = ?, holder = ?, due_at = ? WHERE job_id = ?").run(token, holder, now + leaseMs, jobId);
  return { token, chunks: jobRow(p, jobId)!.maps };
}

export function renewSplit(p: SqliteParts, jobId: string, token: string, now: number, leaseMs: number): boolean {
  const split = openSplit(p, jobId);
  if (split?.token !== token) return false;
  p.sql("UPDATE splits SET due_at = ? WHERE job_id = ?").run(now + leaseMs, jobId);
  return true;
}

export function releaseSplit(p: SqliteParts, jobId: string, token: string, now: number, error = ""): void {
  const split = openSplit(p, jobId);
  if (split?.token !== token) return;
  p.sql("UPDATE splits SET token = '', error = ?, handed_back = ?, due_at = ? WHERE job_id = ?").run(error, error === "" ? 1 : 0, now, jobId);
}

/** Splits due again are sent again, an attempt more each (unless handed back); one out of attempts fails its job. */
export function requeueExpiredSplits(p: SqliteParts, tx: Tx, now: number, limit: number, dueMs: number): DueSplit[] {
  const rows = p.sql("SELECT * FROM splits WHERE due_at <= ? ORDER BY due_at LIMIT ?").all(now, Math.max(0, limit)) as SplitRow[];
  const due: DueSplit[] = [];
  for (const split of rows) {
    const job = jobRow(p, split.job_id);
    if (!job || finalState(job.state) || job.sealed) {
      endSplit(p, split.job_id);
      continue;
    }
    const back = split.handed_back === 1;
    if (!back && split.attempts >= job.max_attempts) {
      const times = split.attempts === 1 ? "once" : `${split.attempts} times`;
      finishJob(p, tx, split.job_id, "failed", now, `splitting the input failed ${times}: ${split.error || "its splitter stopped answering"}`);
      continue;
    }
    p.sql("UPDATE splits SET attempts = ?, token = '', error = '', handed_back = 0, due_at = ? WHERE job_id = ?")
      .run(back ? split.attempts : split.attempts + 1, now + dueMs, split.job_id);
    due.push({ jobId: split.job_id, request: split.request });
  }
  return due;
}
