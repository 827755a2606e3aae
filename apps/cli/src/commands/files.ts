import { basename } from "node:path";
import type { Command } from "commander";
import { SingleBar } from "cli-progress";
import type { MedusaClient } from "@medusa/client";
import { clientFor } from "../context.ts";
import { UsageError } from "../exit.ts";
import { printJson, printTable, say } from "../output.ts";

/** Uploads a local file as a resumable upload with a progress bar; run again after an interruption, it sends only the rest. */
export async function uploadWithProgress(client: MedusaClient, local: string, name: string): Promise<{ path: string; size: number }> {
  const file = Bun.file(local);
  if (!(await file.exists())) throw new UsageError(`no file ${local}`);
  const bar = new SingleBar({ format: `${name} {bar} {percentage}% | {value}/{total} bytes | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true });
  bar.start(file.size, 0);
  try {
    return (await client.uploadFile(name, file, { onProgress: (sent) => bar.update(sent) })) as { path: string; size: number };
  } finally {
    bar.stop();
  }
}

/** upload, files. */
export function fileCommands(program: Command): void {
  program
    .command("upload")
    .description("upload a file (resumable: run it again after an interruption)")
    .argument("<file>", "the local file")
    .argument("[name]", "its path among your files (default: the file's name)")
    .option("--json", "print the stored file as JSON")
    .action(async (local: string, name: string | undefined, opts: { json?: boolean }, command: Command) => {
      const info = await uploadWithProgress(clientFor(command), local, name ?? basename(local));
      if (opts.json) return printJson(info);
      say(`stored ${info.path} (${info.size} bytes)`);
    });

  program
    .command("files")
    .description("your files")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command: Command) => {
      const { files } = await clientFor(command).files();
      if (opts.json) return printJson({ files });
      printTable(files, ["path", "size", "sha256"]);
    });
}
