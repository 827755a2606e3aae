#!/usr/bin/env bun
import { Command, CommanderError } from "commander";
import { accountCommands } from "./commands/account.ts";
import { fileCommands } from "./commands/files.ts";
import { jobCommands } from "./commands/jobs.ts";
import { nodeCommands } from "./commands/nodes.ts";
import { runCommand } from "./commands/run.ts";
import { EXIT, report } from "./exit.ts";

/**
 * `medusa`: one command for consumers and operators. Exit status: 0 done,
 * 1 the job failed (or was cancelled), 2 a usage mistake, 3 the API refused
 * or could not be reached. Human messages go to stderr; stdout carries only
 * results, tokens and `--json`.
 */
export function medusaProgram(): Command {
  const program = new Command("medusa")
    .description("Medusa from the command line: run programs over data on volunteers' nodes")
    .option("--url <url>", "the gateway (default: MEDUSA_URL, the credentials file, http://127.0.0.1:8080)")
    .option("--api-key <key>", "an API key (default: MEDUSA_API_KEY, the credentials file)")
    .showHelpAfterError("(medusa --help shows every command; medusa COMMAND --help its options)")
    .exitOverride();
  accountCommands(program);
  fileCommands(program);
  runCommand(program);
  jobCommands(program);
  nodeCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await medusaProgram().parseAsync(argv);
    return EXIT.done;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.done : EXIT.usage;
    return report(err);
  }
}

if (import.meta.main) process.exit(await main(process.argv));
