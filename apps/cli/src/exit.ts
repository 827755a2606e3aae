import { ApiError } from "@medusa/client";

/** What the exit status says: scripts branch on it. */
export const EXIT = { done: 0, jobFailed: 1, usage: 2, api: 3 } as const;

/** A mistake in how the command was called: exit 2 with the message. */
export class UsageError extends Error {}

/** The job ended without finishing (failed, or cancelled): exit 1. */
export class JobNotDone extends Error {}

/** Prints what went wrong, the way the user can act on it, and gives the exit status. */
export function report(err: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (err instanceof UsageError) {
    write(`medusa: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof JobNotDone) {
    write(`medusa: ${err.message}\n`);
    return EXIT.jobFailed;
  }
  if (err instanceof ApiError) {
    const hint = err.status === 401 ? " (log in with `medusa login`, or set MEDUSA_API_KEY)" : "";
    write(`medusa: ${err.message}${hint}\n`);
    return EXIT.api;
  }
  if (err instanceof TypeError && /fetch|connect|ECONNREFUSED|Unable to connect/i.test(err.message)) {
    write(`medusa: cannot reach the gateway: ${err.message}\n`);
    return EXIT.api;
  }
  const code = (err as { code?: string } | null)?.code;
  if (code === "ConnectionRefused" || code === "ECONNREFUSED") {
    write(`medusa: cannot reach the gateway (${code}); is it running? (--url, MEDUSA_URL)\n`);
    return EXIT.api;
  }
  write(`medusa: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.api;
}
