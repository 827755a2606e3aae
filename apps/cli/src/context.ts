import type { Command } from "commander";
import { MedusaClient } from "@medusa/client";
import { resolveCredentials } from "./credentials.ts";
import { UsageError } from "./exit.ts";

/** The program's global options, as every command sees them. */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
}

/** A client for the gateway the flags, environment or credentials file name; `needKey` refuses to go on without a key. */
export function clientFor(command: Command, needKey = true): MedusaClient {
  const { url, apiKey } = resolveCredentials(command.optsWithGlobals<GlobalOptions>());
  if (needKey && !apiKey) throw new UsageError("no API key: run `medusa signup` or `medusa login`, or set MEDUSA_API_KEY");
  return new MedusaClient(url, apiKey);
}

/** A whole number option, or a usage error naming it. */
export function wholeNumber(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, not ${JSON.stringify(value)}`);
    return Number(value);
  };
}
