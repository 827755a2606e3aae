import type { z } from "zod";
import { canonicalResult, MedusaError, serve, subjects, type ChunkResult, type Served } from "@medusa/core";
import { logResultOutcome } from "./result-log.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * A node's results of one runner call in one request and one store
 * transition (completeChunks), instead of one each: a node runs tiny chunks
 * many to a call, and the request, the transition and the publishing were
 * most of what each such chunk cost. A result over a limit, or not JSON, is
 * refused on its own and the others go on.
 */
export function serveBatchHandlers(ctx: SchedulerContext): Served[] {
  const { bus, store, now, queue, onError, log } = ctx;
  return [
    serve(bus, subjects.completeChunks, async ({ nodeId, results }) => {
      const completed: Completed = [];
      const taken: Array<{ at: number; result: ChunkResult }> = [];
      results.forEach(({ jobId, index, token, results: text }, at) => {
        const refused = refusal(text);
        if (typeof refused === "string") completed[at] = { refused };
        else taken.push({ at, result: { jobId, index, token, nodeId, results: refused.text, hash: refused.hash } });
      });
      const t = await store.completeChunks(taken.map((x) => x.result), now());
      t.completed.forEach((c, i) => {
        const { at, result } = taken[i]!;
        completed[at] = { outcome: c.outcome };
        logResultOutcome(log, result, c);
      });
      ctx.publish(t);
      return { completed };
    }, { queue, onError }),
  ];
}

type Completed = z.input<typeof subjects.completeChunks.reply>["completed"];

/** The result in the form replicas vote with, or the reason it is refused: over a limit (named), or not JSON text. */
function refusal(text: string): { text: string; hash: string } | string {
  try {
    return canonicalResult(text);
  } catch (err) {
    if (err instanceof MedusaError) return err.message;
    return "results: not valid JSON text";
  }
}
