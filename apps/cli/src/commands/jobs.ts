import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import type { Command } from "commander";
import { clientFor, wholeNumber } from "../context.ts";
import { printJson, printTable } from "../output.ts";
import { finished, watchJob } from "../watch.ts";

/** Writes a results body to `-o FILE` or stdout as it arrives. */
export async function writeResults(body: ReadableStream<Uint8Array>, out: string | undefined): Promise<void> {
  const sink = out ? createWriteStream(out) : process.stdout;
  await body.pipeTo(Writable.toWeb(sink) as WritableStream<Uint8Array>, { preventClose: !out });
}

/** jobs, job, results, cancel. */
export function jobCommands(program: Command): void {
  program
    .command("jobs")
    .description("your jobs, newest first")
    .option("--limit <n>", "jobs to show", wholeNumber("--limit"), 20)
    .option("--json", "print JSON")
    .action(async (opts: { limit: number; json?: boolean }, command: Command) => {
      const page = await clientFor(command).jobs({ limit: opts.limit });
      if (opts.json) return printJson(page);
      printTable(page.jobs.map((j) => ({ ...j, chunks: `${j.chunks.done}/${j.chunks.total}`, credits: j.credits.spent })), ["id", "name", "state", "chunks", "credits", "createdAt"]);
    });

  program
    .command("job")
    .description("a job's status; --watch follows it to the end (exit 0 done, 1 failed or cancelled)")
    .argument("<id>", "the job's id")
    .option("--watch", "follow it with a progress bar until it ends")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { watch?: boolean; json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const status = opts.watch ? await watchJob(client, id) : await client.job(id);
      if (opts.json) printJson(status);
      else process.stdout.write(
        `${status.id} ${status.name}: ${status.state}\nchunks: ${status.chunks.done} done of ${status.chunks.total}${status.sealed ? "" : " (still splitting)"}, ${status.chunks.running} running, ${status.chunks.failed} failed attempts\n` +
          `items: ${status.items}\ncredits: ${status.credits.spent} spent, ${status.credits.held} held\n${status.error ? `error: ${status.error}\n` : ""}`,
        );
      if (opts.watch) finished(status);
    });

  program
    .command("results")
    .description("a job's results: JSON Lines in input order (or a reduce's JSON)")
    .argument("<id>", "the job's id")
    .option("-o, --output <file>", "write them to a file instead of stdout")
    .option("--wait <seconds>", "wait up to this long for the job to end", wholeNumber("--wait"), 0)
    .action(async (id: string, opts: { output?: string; wait: number }, command: Command) => {
      await writeResults(await clientFor(command).resultsBody(id, { wait: opts.wait }), opts.output);
    });

  program
    .command("cancel")
    .description("cancel a job; what it did not spend is refunded")
    .argument("<id>", "the job's id")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      const status = await clientFor(command).cancel(id);
      if (opts.json) return printJson(status);
      process.stdout.write(`${status.id}: ${status.state}; ${status.credits.spent} credits spent, the rest refunded\n`);
    });
}
