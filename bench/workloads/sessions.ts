import type { SessionSpec } from "@medusa/core";
import type { MedusaClient } from "@medusa/client";
import type { SessionSocket } from "@medusa/client";
import type { z } from "zod";
import { latencySummary } from "../lib/stats.ts";
import type { RunContext } from "./workload.ts";

/**
 * A session driven round by round from the client, as the peers drive Dask
 * (dask_bench.py W4, dask_w5.py): set up once, then each round's time is
 * measured at the client, from sending {round, params} to holding every
 * partition's partial.
 */
export interface SessionRun<T> {
  setupMs: number;
  /** Client-side ms per measured round. */
  roundsMs: number[];
  /** The gateway's own `ms` per measured round (its view, without the client's socket). */
  gatewayMs: number[];
  last: T;
}

export async function driveSession<T>(
  { target }: RunContext,
  spec: z.input<typeof SessionSpec>,
  opts: { warmup: number; rounds: number; budgetMs: number; params: (round: number, last: T | undefined) => unknown; fold: (partials: unknown[], round: number) => T },
): Promise<SessionRun<T>> {
  const client: MedusaClient = target.client;
  const t0 = performance.now();
  const session = await client.createSession(spec);
  const socket: SessionSocket = client.openSession(session.id);
  try {
    await socket.ready(120_000);
    const setupMs = performance.now() - t0;
    const roundsMs: number[] = [];
    const gatewayMs: number[] = [];
    let last: T | undefined;
    const end = performance.now() + opts.budgetMs;
    for (let r = 1; r <= opts.warmup + opts.rounds && performance.now() < end; r++) {
      const a = performance.now();
      const event = await socket.round(opts.params(r, last));
      const ms = performance.now() - a;
      last = opts.fold(event.partials, r);
      if (r > opts.warmup) {
        roundsMs.push(ms);
        gatewayMs.push(event.ms);
      }
    }
    if (last === undefined) throw new Error(`session ${session.id}: no round answered within the budget`);
    return { setupMs, roundsMs, gatewayMs, last };
  } finally {
    socket.close();
    await client.endSession(session.id).catch(() => {});
  }
}

export const roundFigures = (run: SessionRun<unknown>) => {
  const client = latencySummary(run.roundsMs);
  const gateway = latencySummary(run.gatewayMs);
  return { client, gateway, setupMs: Math.round(run.setupMs) };
};
