import type { MedusaClient, Reply } from "@medusa/client";
import { JobNotDone } from "./exit.ts";
import { say } from "./output.ts";
import { JobProgress } from "./progress.ts";
import { confirm } from "./prompt.ts";

type JobStatus = Reply<"getJob">;

/**
 * Follows a job to its end with the progress bar. Ctrl-C asks whether to
 * cancel it (on a terminal; off one, it cancels): cancelled, what it did
 * not spend is refunded. Resolves with the final status (`finished` turns
 * one that did not finish into exit 1).
 */
export async function watchJob(client: MedusaClient, jobId: string): Promise<JobStatus> {
  const progress = new JobProgress(client, jobId);
  let asking = false;
  const onInterrupt = async () => {
    if (asking) return;
    asking = true;
    progress.stop();
    const cancel = !process.stdin.isTTY || (await confirm(`\ncancel job ${jobId}?`));
    if (cancel) {
      const status = await client.cancel(jobId);
      say(`cancelling ${jobId}: ${status.credits.spent} credits spent, the rest refunded`);
    } else say("going on (the bar comes back with the next event)");
    asking = false;
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await progress.run();
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** A done job as it is; any other end as JobNotDone with what it says. */
export function finished(status: JobStatus): JobStatus {
  if (status.state === "done") return status;
  if (status.state === "failed") throw new JobNotDone(`job ${status.id} failed: ${status.error ?? "no reason given"}`);
  if (status.state === "cancelled") throw new JobNotDone(`job ${status.id} was cancelled (${status.credits.spent} credits spent, the rest refunded)`);
  throw new JobNotDone(`job ${status.id} is ${status.state}`);
}
