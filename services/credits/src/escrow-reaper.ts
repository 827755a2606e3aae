import { call, errorMessage, escrowAccount, MedusaError, refundKey, subjects, type Bus, type LedgerStore, type Logger } from "@medusa/core";

/**
 * Gives back escrows whose job never came to exist. The scheduler holds a
 * job's credits before it stores the job, so a scheduler killed between the
 * two, or a Redis that lost its last second of writes (the `everysec` AOF
 * window), leaves credits held for a job nobody will run or refund. Every
 * pass asks the scheduler about each escrow older than `graceMs`; one whose
 * job it does not know is refunded, in full, under the job's own refund key
 * (so if the job's refund ever did arrive, the ledger keeps only one).
 * Only job escrows are checked: sessions hold under ids the scheduler does
 * not know. A scheduler that cannot answer ends the pass: nothing is
 * refunded on a guess.
 */
export interface EscrowReaperOptions {
  /** How old a hold must be before its job's absence counts (the hold → store gap is milliseconds). */
  graceMs: number;
  /** How often a pass runs. */
  everyMs: number;
  now?: () => number;
  log: Logger;
}

export interface EscrowReaper {
  /** One pass now; resolves with the job ids refunded. */
  pass(): Promise<string[]>;
  close(): Promise<void>;
}

const PAGE = 200;

export function reapOrphanEscrows(bus: Bus, ledger: LedgerStore, opts: EscrowReaperOptions): EscrowReaper {
  const now = opts.now ?? Date.now;
  let running: Promise<string[]> | null = null;

  const jobExists = async (owner: string, jobId: string): Promise<boolean> => {
    try {
      await call(bus, subjects.getJob, { owner, jobId });
      return true;
    } catch (err) {
      if (err instanceof MedusaError && err.code === "not_found") return false;
      throw err;
    }
  };

  const sweep = async (): Promise<string[]> => {
    const refunded: string[] = [];
    const heldBefore = now() - opts.graceMs;
    let after: string | undefined;
    do {
      const page = await ledger.openEscrows({ heldBefore, limit: PAGE, ...(after === undefined ? {} : { after }) });
      for (const e of page.escrows) {
        if (!e.jobId.startsWith("job_") || (await jobExists(e.owner, e.jobId))) continue;
        const [outcome] = await ledger.apply([
          { key: refundKey(e.jobId), reason: "refund", from: escrowAccount(e.jobId), to: e.owner, amount: e.amount, jobId: e.jobId, at: now() },
        ]);
        if (outcome === "applied") {
          opts.log.warn(`refunded ${e.amount} credits held for ${e.jobId}, a job that was never stored (held ${new Date(e.heldAt).toISOString()})`);
          refunded.push(e.jobId);
        }
      }
      after = page.next ?? undefined;
    } while (after !== undefined);
    return refunded;
  };

  const pass = () => {
    running ??= sweep().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    pass().catch((err) => opts.log.warn(`orphaned escrows not checked: ${errorMessage(err)}`));
  }, opts.everyMs);
  return {
    pass,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
