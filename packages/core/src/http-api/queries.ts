import { z } from "zod";
import { limits } from "../limits.ts";

/** The query strings the gateway parses, here so its OpenAPI document and the typed client use the very same schemas. */
export const JobListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.string().min(1).optional() });

export const EventsQuery = z.object({ from: z.coerce.number().int().min(0).default(0) });

/** Seconds a request may be held open for a job to end, capped at `limits.resultsWaitSeconds`. */
const WaitSeconds = z.coerce.number().min(0).default(0).transform((s) => Math.min(s, limits.resultsWaitSeconds));

/** `offset` (items to skip) only means something with `partial`. */
export const ResultsQuery = z.object({
  wait: WaitSeconds,
  partial: z.enum(["0", "1", "false", "true"]).default("0").transform((p) => p === "1" || p === "true"),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `POST /v1/jobs?wait=`: submit and hold the answer until the job ends. */
export const SubmitQuery = z.object({ wait: WaitSeconds });

/** The token in the link a sign-up email carries. */
export const ConfirmQuery = z.object({ token: z.string().min(1).max(200) });

export const LedgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `next` of the previous page: entries older than that one. */
  before: z.coerce.number().int().min(1).optional(),
});

/** What `GET /v1/downloads` lists: the node executables a gateway serves. */
export const NodeBuild = z.object({ platform: z.string(), file: z.string(), size: z.number().int(), sha256: z.string(), url: z.string() });
export type NodeBuild = z.infer<typeof NodeBuild>;
export const NodeBuildList = z.object({ version: z.string().nullable(), builds: z.array(NodeBuild), checksums: z.string() });
export type NodeBuildList = z.infer<typeof NodeBuildList>;
