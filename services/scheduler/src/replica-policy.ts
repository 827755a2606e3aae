import { z } from "zod";
import { DEFAULT_SPOT_CHECK_RATE, DEFAULT_START_WINDOW, DEFAULT_TRUST_AFTER, intFrom, type LeaseOptions } from "@medusa/core";

/**
 * How the scheduler treats replicas, from the environment. Across owners is
 * the rule on a public deployment: one person's nodes must never make a
 * quorum alone. A private pool, whose machines all belong to one account (the
 * embedded default's local nodes), turns it off with MEDUSA_SAME_OWNER_REPLICAS=1.
 */
const flag = <T extends boolean | undefined>(fallback: T) =>
  z
    .enum(["0", "1", "true", "false"], { error: "use 1 or 0" })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "1" || v === "true"));

/** The variables, with the owner rule's default: off (distinct owners and networks) for a public deployment. */
export const replicaEnv = (sameOwnerByDefault = false) => ({
  MEDUSA_SAME_OWNER_REPLICAS: flag(sameOwnerByDefault),
  /**
   * Replicas of one chunk come from distinct networks (the /24 or /64 a node
   * connects from): one person's machines behind one router never make a
   * quorum. Unset: on exactly when owners must be distinct.
   */
  MEDUSA_DISTINCT_ORIGINS: flag(undefined),
  /** Agreeing results in a row after which a node runs replicas: "auto" chunks alone. */
  MEDUSA_TRUST_AFTER: intFrom(DEFAULT_TRUST_AFTER, 1, 1_000_000),
  /** Share (0–1) of a trusted node's "auto" chunks that are replicated all the same. */
  MEDUSA_SPOT_CHECK_RATE: z.coerce.number().min(0).max(1).default(DEFAULT_SPOT_CHECK_RATE),
  /** Chunks a new node may hold at once; each accepted result adds one, each lease it lets run out takes this many away. */
  MEDUSA_NODE_START_WINDOW: intFrom(DEFAULT_START_WINDOW, 1, 1_000_000),
  /** Backup leases once the queue is empty (the first result wins, the other is not paid); 0 turns them off. */
  MEDUSA_BACKUP_LEASES: flag(true),
});

export interface ReplicaPolicy {
  sameOwnerReplicas: boolean;
  distinctOrigins: boolean;
  trustAfter: number;
  spotCheckRate: number;
  startWindow: number;
  /** Backup leases at the queue's end (LeaseOptions.backups); on unless turned off. */
  backupLeases?: boolean;
}

export const policyFromEnv = (env: {
  MEDUSA_SAME_OWNER_REPLICAS: boolean;
  MEDUSA_DISTINCT_ORIGINS: boolean | undefined;
  MEDUSA_TRUST_AFTER: number;
  MEDUSA_SPOT_CHECK_RATE: number;
  MEDUSA_NODE_START_WINDOW: number;
  MEDUSA_BACKUP_LEASES?: boolean;
}): ReplicaPolicy => ({
  sameOwnerReplicas: env.MEDUSA_SAME_OWNER_REPLICAS,
  distinctOrigins: env.MEDUSA_DISTINCT_ORIGINS ?? !env.MEDUSA_SAME_OWNER_REPLICAS,
  trustAfter: env.MEDUSA_TRUST_AFTER,
  spotCheckRate: env.MEDUSA_SPOT_CHECK_RATE,
  startWindow: env.MEDUSA_NODE_START_WINDOW,
  backupLeases: env.MEDUSA_BACKUP_LEASES !== false,
});

/** What the chunk store needs to lease to one node under the policy: in a private pool each node votes as itself. */
export function leaseOptions(policy: ReplicaPolicy, nodeId: string, owner: string, origin?: string): LeaseOptions {
  const { trustAfter, spotCheckRate, startWindow } = policy;
  const distinct = policy.distinctOrigins && origin ? { origin } : {};
  return { owner: policy.sameOwnerReplicas ? nodeId : owner, trustAfter, spotCheckRate, startWindow, backups: policy.backupLeases !== false, ...distinct };
}
