import type { Command } from "commander";
import { MedusaClient } from "@medusa/client";
import { credentialsPath, resolveCredentials, writeCredentials } from "../credentials.ts";
import { clientFor, wholeNumber } from "../context.ts";
import { UsageError } from "../exit.ts";
import { printJson, printTable, say } from "../output.ts";
import { readLine } from "../prompt.ts";

/** signup, login, me, ledger. */
export function accountCommands(program: Command): void {
  program
    .command("signup")
    .description("create an account and keep its API key in the credentials file (the password is asked for, or read from stdin)")
    .requiredOption("--email <email>", "the account's email")
    .option("--json", "print the new account as JSON")
    .action(async (opts: { email: string; json?: boolean }, command: Command) => {
      const { url } = resolveCredentials(command.optsWithGlobals());
      const password = await readLine("password: ");
      if (!password) throw new UsageError("a password is needed: type it, or give it as stdin's first line");
      const created = await new MedusaClient(url).signUp(opts.email, password);
      writeCredentials({ url, apiKey: created.apiKey });
      if (opts.json) return printJson(created);
      say(`account ${created.id} (${created.email}) with ${created.credits} credits`);
      say(`API key (kept in ${credentialsPath()}, shown once):`);
      process.stdout.write(created.apiKey + "\n");
    });

  program
    .command("login")
    .description("check an API key (--api-key, MEDUSA_API_KEY, else asked for or read from stdin) and keep it with the gateway's URL in the credentials file")
    .action(async (_opts: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ url?: string; apiKey?: string }>();
      const { url } = resolveCredentials(flags);
      const apiKey = flags.apiKey ?? process.env.MEDUSA_API_KEY ?? (await readLine("API key: "));
      if (!apiKey) throw new UsageError("an API key is needed (--api-key, MEDUSA_API_KEY or on stdin)");
      const me = await new MedusaClient(url, apiKey).me();
      writeCredentials({ url, apiKey });
      say(`logged in to ${url} as ${me.email}; credentials in ${credentialsPath()}`);
    });

  program
    .command("me")
    .description("your account: credits and storage")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command: Command) => {
      const me = await clientFor(command).me();
      if (opts.json) return printJson(me);
      process.stdout.write(`${me.email} (${me.id})\ncredits: ${me.credits.available} available, ${me.credits.held} held\nstorage: ${me.storage.usedBytes} of ${me.storage.quotaBytes} bytes\n`);
    });

  program
    .command("ledger")
    .description("your credit movements, newest first")
    .option("--limit <n>", "entries to show", wholeNumber("--limit"), 50)
    .option("--json", "print JSON")
    .action(async (opts: { limit: number; json?: boolean }, command: Command) => {
      const page = await clientFor(command).ledger({ limit: opts.limit });
      if (opts.json) return printJson(page);
      printTable(page.entries as Array<Record<string, unknown>>, ["at", "reason", "amount", "from", "to", "jobId"]);
    });
}
