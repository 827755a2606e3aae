import { basename, extname } from "node:path";
import type { Command } from "commander";
import type { MedusaClient } from "@medusa/client";
import type { JobSpec } from "@medusa/core";
import type { z } from "zod";
import { clientFor, wholeNumber } from "../context.ts";
import { UsageError } from "../exit.ts";
import { printJson, say } from "../output.ts";
import { confirm } from "../prompt.ts";
import { finished, watchJob } from "../watch.ts";
import { uploadWithProgress } from "./files.ts";
import { writeResults } from "./jobs.ts";

interface RunOptions {
  input?: string;
  range?: string;
  items?: string;
  format?: "lines" | "jsonl" | "json";
  chunkSize?: number;
  replicas?: string;
  maxCredits?: number;
  name?: string;
  yes?: boolean;
  output?: string;
  json?: boolean;
}

type Spec = z.input<typeof JobSpec>;

/** run PROGRAM: price it, ask, submit, follow it with a progress bar, write its results. */
export function runCommand(program: Command): void {
  program
    .command("run")
    .description("run a program over an input: shows the worst-case cost, asks (unless --yes), follows the job with a progress bar, writes its results")
    .argument("<program>", "a Python file defining map(item) (and optionally reduce(results)), or a WASI .wasm module")
    .option("--input <file>", "a local file of items, uploaded first (resumable)")
    .option("--range <a:b[:step]>", "the integers a, a+1, … b-1")
    .option("--items <json>", "a JSON array of items")
    .option("--format <format>", "how --input holds items: lines, jsonl or json (default from its extension)")
    .option("--chunk-size <n>", "items per chunk", wholeNumber("--chunk-size"))
    .option("--replicas <n>", 'nodes that run each chunk: 1-5 or "auto"')
    .option("--max-credits <n>", "the most the job may cost", wholeNumber("--max-credits"))
    .option("--name <name>", "the job's name (default: the program's file name)")
    .option("-y, --yes", "submit without asking")
    .option("-o, --output <file>", "write the results to a file instead of stdout")
    .option("--json", "print the job's final status as JSON instead of its results")
    .action(async (programFile: string, opts: RunOptions, command: Command) => {
      const client = clientFor(command);
      const spec = await jobSpec(client, programFile, opts);
      const quote = await client.quote(spec);
      const available = (await client.me()).credits.available;
      say(`worst case: ${quote.worstCase} credits (${quote.chunks}${quote.exact ? "" : " at most"} chunks × ${quote.replicas} replicas × ${quote.pricePerChunk}); ${quote.held} held until it ends; you have ${available}`);
      if (quote.refused) throw new UsageError(quote.refused);
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new UsageError("not a terminal, so nobody can confirm: pass --yes to submit");
        if (!(await confirm("submit?"))) {
          say("not submitted");
          return;
        }
      }
      const job = await client.submit(spec);
      say(`job ${job.id} submitted (Ctrl-C asks whether to cancel it)`);
      const status = await watchJob(client, job.id);
      say(`job ${status.id} ${status.state}: ${status.chunks.done}/${status.chunks.total} chunks, ${status.credits.spent} credits spent`);
      if (opts.json) printJson(status);
      finished(status);
      if (!opts.json) await writeResults(await client.resultsBody(job.id), opts.output);
    });
}

async function jobSpec(client: MedusaClient, programFile: string, opts: RunOptions): Promise<Spec> {
  const file = Bun.file(programFile);
  if (!(await file.exists())) throw new UsageError(`no program file ${programFile}`);
  const given = [opts.input, opts.range, opts.items].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError("give the input as exactly one of --input FILE, --range A:B or --items JSON");
  const program: Spec["program"] =
    extname(programFile) === ".wasm"
      ? { runtime: "wasi", module: (await uploadWithProgress(client, programFile, `programs/${basename(programFile)}`)).path }
      : { runtime: "python", source: await file.text() };
  return {
    name: opts.name ?? basename(programFile),
    program,
    input: await input(client, opts),
    ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
    ...(opts.replicas !== undefined ? { replicas: replicas(opts.replicas) } : {}),
    ...(opts.maxCredits !== undefined ? { maxCredits: opts.maxCredits } : {}),
  };
}

async function input(client: MedusaClient, opts: RunOptions): Promise<Spec["input"]> {
  if (opts.range !== undefined) {
    const match = /^(-?\d+):(-?\d+)(?::(\d+))?$/.exec(opts.range);
    if (!match) throw new UsageError(`--range must be A:B or A:B:STEP (integers), not ${JSON.stringify(opts.range)}`);
    return { range: { start: Number(match[1]), stop: Number(match[2]), ...(match[3] ? { step: Number(match[3]) } : {}) } };
  }
  if (opts.items !== undefined) {
    let items: unknown;
    try {
      items = JSON.parse(opts.items);
    } catch {
      throw new UsageError("--items must be a JSON array");
    }
    if (!Array.isArray(items)) throw new UsageError("--items must be a JSON array");
    return { items };
  }
  const local = opts.input!;
  const format = opts.format ?? ({ ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json" } as const)[extname(local) as ".json"] ?? "lines";
  if (!["lines", "jsonl", "json"].includes(format)) throw new UsageError(`--format must be lines, jsonl or json, not ${JSON.stringify(format)}`);
  const stored = await uploadWithProgress(client, local, `inputs/${basename(local)}`);
  return { file: stored.path, format };
}

function replicas(value: string): number | "auto" {
  if (value === "auto") return "auto";
  if (!/^[1-5]$/.test(value)) throw new UsageError(`--replicas must be 1 to 5 or "auto", not ${JSON.stringify(value)}`);
  return Number(value);
}
