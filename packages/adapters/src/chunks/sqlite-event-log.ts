import type { Database } from "bun:sqlite";
import { JobEvent } from "@medusa/core";
import type { ChunkCounts, JobState, NewJobEvent, StoredEvent } from "@medusa/core";

/**
 * Each job's event log in the SQLite chunk store: events numbered 1, 2, 3…
 * per job, the newest `maxEvents` kept. Appends run inside the store's
 * transactions and also collect the event for the caller to publish.
 */
export class SqliteEventLog {
  constructor(
    private readonly db: Database,
    private readonly maxEvents: number,
  ) {}

  append(jobId: string, event: NewJobEvent, events: StoredEvent[]): void {
    const { id } = this.db.query("UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq AS id").get(jobId) as { id: number };
    const numbered = JobEvent.parse({ ...event, id });
    this.db.query("INSERT INTO events (job_id, id, body) VALUES (?, ?, ?)").run(jobId, id, JSON.stringify(numbered));
    this.db.query("DELETE FROM events WHERE job_id = ? AND id <= ?").run(jobId, id - this.maxEvents);
    events.push({ jobId, event: numbered });
  }

  /** A progress event with the job's state and counts as they are now. */
  progress(jobId: string, events: StoredEvent[]): void {
    const job = this.db.query("SELECT state, sealed FROM jobs WHERE id = ?").get(jobId) as { state: JobState; sealed: number };
    this.append(jobId, { type: "progress", state: job.state, chunks: this.counts(jobId), sealed: job.sealed === 1 }, events);
  }

  counts(jobId: string): ChunkCounts {
    return this.db.query("SELECT total, done, running, failed FROM jobs WHERE id = ?").get(jobId) as ChunkCounts;
  }

  read(jobId: string, afterId: number, limit: number): JobEvent[] {
    const rows = this.db
      .query("SELECT body FROM events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?")
      .all(jobId, afterId, Math.max(0, limit)) as Array<{ body: string }>;
    return rows.map((r) => JobEvent.parse(JSON.parse(r.body)));
  }
}
