import { canonicalResult, MedusaError, serve, subjects, type Served } from "@medusa/core";
import { programCannotLoad } from "./program-error.ts";
import { logResultOutcome } from "./result-log.ts";
import { leaseOptions } from "./replica-policy.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/** What gateways ask on behalf of their nodes: chunks to run, results and failures of the chunks they hold, reputations, and a node that left. */
export function serveChunkHandlers(ctx: SchedulerContext): Served[] {
  const { bus, store, now, queue, onError, log } = ctx;
  return [
    // A gateway that renews its nodes' leases says so (`renewed`); one that does not (an older release) gets leases that last the whole cap.
    serve(bus, subjects.leaseChunks, async ({ nodeId, owner, origin, max, runtimes, renewed }) => {
      const t = await store.leaseChunks(nodeId, max, now(), { ...leaseOptions(ctx.policy, nodeId, owner, origin), ...(runtimes ? { runtimes } : {}), ...(renewed ? { leaseMs: ctx.leaseMs } : {}) });
      ctx.publish(t);
      return { leases: t.leases };
    }, { queue, onError }),
    serve(bus, subjects.completeChunk, async ({ nodeId, jobId, index, token, results }) => {
      const result = canonical(results);
      const t = await store.completeChunk({ nodeId, jobId, index, token }, result.text, now(), result.hash);
      logResultOutcome(log, { jobId, index, nodeId }, t);
      ctx.publish(t);
      return { outcome: t.outcome };
    }, { queue, onError }),
    serve(bus, subjects.failChunk, async ({ nodeId, jobId, index, token, error }) => {
      const t = await store.failChunk({ nodeId, jobId, index, token }, error, now());
      ctx.publish(t);
      const fatal = t.outcome === "accepted" && (await programCannotLoad(store, jobId, error));
      if (fatal) ctx.publish(await store.failJob(jobId, fatal, now()));
      return { outcome: t.outcome };
    }, { queue, onError }),
    serve(bus, subjects.leasedInput, async (holder) => {
      const leased = await store.leasedInput(holder, now());
      if (!leased) throw new MedusaError("forbidden", `node ${holder.nodeId} holds no live lease on chunk ${holder.index} of job ${holder.jobId}`);
      return leased;
    }, { queue, onError }),
    serve(bus, subjects.renewLeases, async ({ leases }) => store.renewLeases(leases, now(), ctx.leaseMs), { queue, onError }),
    serve(bus, subjects.nodeReputations, async ({ nodeIds }) => ({ reputations: await store.reputations(nodeIds) }), { queue, onError }),
    serve(bus, subjects.releaseNode, async ({ nodeId }) => {
      const t = await store.releaseNode(nodeId, now());
      ctx.publish(t);
      return { requeued: t.requeued };
    }, { queue, onError }),
  ];
}

/** A node's result in the form replicas vote with; text that is not JSON, or over a limit (named), is the sender's error. */
function canonical(results: string) {
  try {
    return canonicalResult(results);
  } catch (err) {
    if (err instanceof MedusaError) throw err;
    throw new MedusaError("invalid_field", "results: not valid JSON text");
  }
}
