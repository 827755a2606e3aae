import { z } from "zod";
import { JobRecord } from "@medusa/core";

/** The job hash: record fields as strings, plus counters the scripts keep. */
const JobHash = z.object({
  id: z.string(),
  owner: z.string(),
  name: z.string(),
  program: z.string(),
  hasReduce: z.string(),
  state: z.string(),
  total: z.coerce.number(),
  done: z.coerce.number(),
  running: z.coerce.number(),
  failed: z.coerce.number(),
  sealed: z.string(),
  items: z.coerce.number(),
  timeoutMs: z.coerce.number(),
  maxAttempts: z.coerce.number(),
  minReputation: z.coerce.number().default(0),
  replicas: z.coerce.number(),
  quorum: z.coerce.number().default(1),
  adaptive: z.string().default("0"),
  createdAt: z.coerce.number(),
  finishedAt: z.coerce.number().optional(),
  error: z.string().optional(),
  maps: z.coerce.number(),
  price: z.coerce.number().default(0),
  held: z.coerce.number().default(0),
  spent: z.coerce.number().default(0),
});

/** The JobRecord a job hash holds. */
export function recordFromHash(hash: Record<string, string>): JobRecord {
  const h = JobHash.parse(hash);
  return JobRecord.parse({
    id: h.id,
    owner: h.owner,
    name: h.name,
    program: JSON.parse(h.program),
    hasReduce: h.hasReduce === "1",
    state: h.state,
    chunks: { total: h.total, done: h.done, running: h.running, failed: h.failed },
    sealed: h.sealed === "1",
    items: h.items,
    timeoutMs: h.timeoutMs,
    maxAttempts: h.maxAttempts,
    ...(h.minReputation > 0 ? { minReputation: h.minReputation } : {}),
    replicas: h.adaptive === "1" ? "auto" : h.replicas,
    quorum: h.quorum,
    credits: { price: h.price, held: h.held, spent: h.spent },
    createdAt: h.createdAt,
    ...(h.finishedAt === undefined ? {} : { finishedAt: h.finishedAt }),
    ...(h.error === undefined ? {} : { error: h.error }),
  });
}
