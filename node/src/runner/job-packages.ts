import { packageSetKey } from "@medusa/core/packages";
import { PackageRefused } from "../packages/wheel-cache.ts";
import type { PackageSource, PoolJob } from "./pool-types.ts";
import type { RunnerError, RunnerPackages } from "./protocol.ts";

/**
 * A job with packages gets a fresh runner that loads them before it confines
 * itself: the warm spares confined themselves at start, so they serve only
 * jobs without packages, and a runner only ever serves jobs of its own
 * package set (the job's, or a sibling's with the same program and set).
 */

/** Two jobs may share a runner only if their keys are equal. */
export const jobPackageKey = (job: PoolJob): string => packageSetKey(job.program.runtime === "python" ? job.program.packages : undefined);

/**
 * The job's pinned wheels on this disk, verified, or undefined when it has
 * none. When the job can never load them here (PackageRefused), that is
 * kept as its `initError`, so its later chunks fail at once.
 */
export async function prepareJobPackages(job: PoolJob & { initError?: RunnerError }, source: PackageSource | undefined): Promise<RunnerPackages | undefined> {
  const set = job.program.runtime === "python" ? job.program.packages : undefined;
  if (!set) return undefined;
  try {
    if (!source) throw new PackageRefused("this node was started without a package cache, so it loads no packages");
    return await source.prepare(set);
  } catch (err) {
    if (err instanceof PackageRefused) job.initError = { message: err.message };
    throw err;
  }
}
