import { errorMessage } from "@medusa/core";

type Falsy = undefined | null | false;

export interface UntilOptions {
  /** How long to wait between probes. */
  everyMs?: number;
  /** Appended to the timeout error, e.g. the tail of a child process's output. */
  context?: () => string;
}

/**
 * Polls `probe` until it returns a value (anything but undefined, null or
 * false), or fails after `ms` naming `what`. A probe that throws counts as
 * "not yet" (a server still starting), and its last error is in the failure.
 */
export async function until<T>(probe: () => T | Falsy | Promise<T | Falsy>, ms = 10_000, what = "condition", opts: UntilOptions = {}): Promise<T> {
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const why = lastError === undefined ? "" : ` (last error: ${errorMessage(lastError)})`;
      throw new Error(`${what} not met within ${ms} ms${why}${opts.context ? `\n${opts.context()}` : ""}`);
    }
    await Bun.sleep(opts.everyMs ?? 10);
  }
}
