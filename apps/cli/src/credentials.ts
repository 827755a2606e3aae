import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";

/**
 * Where `medusa login` and `medusa signup` keep the gateway and API key:
 * `~/.config/medusa/credentials`, JSON `{url, apiKey}`, mode 0600. The Python
 * client reads the same file.
 */
export const Credentials = z.object({ url: z.string().url(), apiKey: z.string().min(1) });
export type Credentials = z.infer<typeof Credentials>;

export const credentialsPath = () => join(process.env.HOME || homedir(), ".config", "medusa", "credentials");

export const DEFAULT_URL = "http://127.0.0.1:8080";

export function readCredentials(path = credentialsPath()): Credentials | null {
  if (!existsSync(path)) return null;
  const parsed = Credentials.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new Error(`${path} is not {"url": …, "apiKey": …}: log in again with \`medusa login\``);
  return parsed.data;
}

export function writeCredentials(credentials: Credentials, path = credentialsPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  // An older file keeps its mode through writeFileSync: set it.
  chmodSync(path, 0o600);
}

/** The gateway and key a command uses: its flags, else MEDUSA_URL / MEDUSA_API_KEY, else the credentials file. */
export function resolveCredentials(flags: { url?: string; apiKey?: string }): { url: string; apiKey: string | undefined } {
  const saved = readCredentials();
  const url = flags.url || process.env.MEDUSA_URL || saved?.url || DEFAULT_URL;
  const apiKey = flags.apiKey || process.env.MEDUSA_API_KEY || saved?.apiKey;
  return { url: url.replace(/\/+$/, ""), apiKey };
}
