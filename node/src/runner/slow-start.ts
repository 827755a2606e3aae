import { errorMessage } from "@medusa/core/errors";
import type { RunnerSandbox } from "./protocol.ts";
import type { RunnerProcess } from "./runner-process.ts";

/**
 * A runner that is slow to start (a loaded machine: spares start at idle
 * priority, and a CPU hog can starve them past the start timeout) is not a
 * broken node. Its start is retried, with a growing pause between tries,
 * while the node says it is not ready; only a runner that fails in another
 * way (it exits, the runtime is missing) is an error to report.
 */
const SLOW_START = "runner did not start within";

export const slowStartMessage = (timeoutMs: number) => `${SLOW_START} ${timeoutMs}ms`;

export const isSlowStart = (err: unknown): boolean => errorMessage(err).startsWith(SLOW_START);

/** The runner's `ready`, or a kill for slowness once `timeoutMs` has passed without it. */
export async function readyWithin(runner: RunnerProcess, timeoutMs: number): Promise<RunnerSandbox> {
  const timer = setTimeout(() => runner.kill(slowStartMessage(timeoutMs)), timeoutMs);
  try {
    return await runner.ready;
  } finally {
    clearTimeout(timer);
  }
}

/** The first pause between tries, and the longest. */
export const RETRY_MS = { first: 1_000, max: 60_000 } as const;

/** Starts a runner until one is ready in time; rejects at once on any failure but slowness, or when `closed()` says the pool has gone. */
export async function startUntilReady(
  spawn: () => RunnerProcess,
  awaitReady: (runner: RunnerProcess) => Promise<RunnerSandbox>,
  log: (msg: string) => void,
  closed: () => boolean,
): Promise<{ runner: RunnerProcess; sandbox: RunnerSandbox }> {
  let pause: number = RETRY_MS.first;
  for (let attempt = 1; ; attempt++) {
    const runner = spawn();
    try {
      return { runner, sandbox: await awaitReady(runner) };
    } catch (err) {
      if (closed() || !isSlowStart(err)) throw err;
      log(`${errorMessage(err)} (try ${attempt}); trying again in ${pause} ms`);
      await Bun.sleep(pause);
      if (closed()) throw err;
      pause = Math.min(pause * 2, RETRY_MS.max);
    }
  }
}
