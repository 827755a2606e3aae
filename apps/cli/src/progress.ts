import { SingleBar } from "cli-progress";
import type { MedusaClient, Reply } from "@medusa/client";

type JobStatus = Reply<"getJob">;

/**
 * A job's live progress bar on stderr: chunks done of total, items/s, ETA and
 * credits spent, from the job's event stream (credits from its status once a
 * second). Off a terminal it draws nothing. Resolves with the final status.
 */
export class JobProgress {
  private readonly bar = new SingleBar({
    format: "{bar} {value}/{total} chunks | {rate} items/s | ETA {eta_formatted} | {credits} credits",
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 20,
  });
  private readonly started = Date.now();
  private status: JobStatus | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly client: MedusaClient,
    readonly jobId: string,
  ) {}

  async run(): Promise<JobStatus> {
    this.status = await this.client.job(this.jobId);
    this.bar.start(Math.max(1, this.status.chunks.total), this.status.chunks.done, this.fields());
    this.timer = setInterval(() => void this.refresh(), 1000);
    try {
      return await this.client.follow(this.jobId, (event) => {
        this.bar.setTotal(Math.max(1, event.chunks.total));
        this.bar.update(event.chunks.done, this.fields(event.chunks.done));
      });
    } finally {
      this.stop();
    }
  }

  /** Takes the bar off the screen (to ask a question, or at the end). */
  stop(): void {
    clearInterval(this.timer);
    this.bar.stop();
  }

  private async refresh(): Promise<void> {
    try {
      this.status = await this.client.job(this.jobId);
      this.bar.update(this.status.chunks.done, this.fields());
    } catch {
      // The next tick tries again; the event stream decides when the job ends.
    }
  }

  private fields(done = this.status?.chunks.done ?? 0) {
    const status = this.status;
    const perChunk = status && status.chunks.total > 0 ? status.items / status.chunks.total : 0;
    const seconds = (Date.now() - this.started) / 1000;
    return { rate: seconds > 0 ? Math.round((done * perChunk) / seconds) : 0, credits: status?.credits.spent ?? 0 };
  }
}
