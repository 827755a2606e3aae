import type { Database, Statement } from "bun:sqlite";
import { JobEvent } from "@medusa/core";
import type { ChunkCounts, JobState, NewJobEvent, StoredEvent } from "@medusa/core";
import { statements } from "./sqlite-statements.ts";

/**
 * Each job's event log in the SQLite chunk store: events numbered 1, 2, 3…
 * per job, the newest `maxEvents` kept. Appends run inside the store's
 * transactions and also collect the event for the caller to publish.
 */
export class SqliteEventLog {
  private readonly sql: (sql: string) => Statement;

  constructor(
    db: Database,
    private readonly maxEvents: number,
  ) {
    this.sql = statements(db);
  }

  append(jobId: string, event: NewJobEvent, events: StoredEvent[]): void {
    const { id } = this.sql("UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq AS id").get(jobId) as { id: number };
    const numbered = JobEvent.parse({ ...event, id });
    this.sql("INSERT INTO events (job_id, id, body) VALUES (?, ?, ?)").run(jobId, id, JSON.stringify(numbered));
    this.sql("DELETE FROM events WHERE job_id = ? AND id <= ?").run(jobId, id - this.maxEvents);
    events.push({ jobId, event: numbered });
  }

  /** A progress event with the job's state and counts as they are now. */
  progress(jobId: string, events: StoredEvent[]): void {
    const job = this.sql("SELECT state, sealed FROM jobs WHERE id = ?").get(jobId) as { state: JobState; sealed: number };
    this.append(jobId, { type: "progress", state: job.state, chunks: this.counts(jobId), sealed: job.sealed === 1 }, events);
  }

  counts(jobId: string): ChunkCounts {
    return this.sql("SELECT total, done, running, failed FROM jobs WHERE id = ?").get(jobId) as ChunkCounts;
  }

  read(jobId: string, afterId: number, limit: number): JobEvent[] {
    const rows = this.sql("SELECT body FROM events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?")
      .all(jobId, afterId, Math.max(0, limit)) as Array<{ body: string }>;
    return rows.map((r) => JobEvent.parse(JSON.parse(r.body)));
  }
}
