import { chunkCount, MedusaError, measureInput, replicasBudgeted, type BlobStore, type JobSpec } from "@medusa/core";

/**
 * What a job may cost, decided before anything runs. Each accepted result
 * pays its node `price`; a job of C chunks run on R replicas costs at most
 * C × R × price ("auto" counts as R = 2; a chunk pays at most its quorum's
 * agreeing nodes, and quorum ≤ R). For a range or inline items C is known exactly; for a file
 * it is bounded from the file's size (a line is at least one byte, a JSON
 * item at least two with its separator), and `maxChunks` then caps how many
 * chunks the splitter may produce on the budget held.
 */
export interface Quote {
  price: number;
  /** Exact chunk count, or the file's upper bound. */
  chunks: number;
  exact: boolean;
  /** The credits moved into escrow at submission. */
  held: number;
  /** Chunks (map and reduce) the held credits pay for. */
  maxChunks: number;
}

export async function quote(spec: JobSpec, owner: string, hasReduce: boolean, blobs: BlobStore, defaultPrice: number): Promise<Quote> {
  const price = spec.pricePerChunk ?? defaultPrice;
  const { items, exact } = await measureInput(spec.input, { owner, blobs });
  const chunks = chunkCount(items, spec.chunkSize) + (hasReduce ? 1 : 0);
  const replicas = replicasBudgeted(spec.replicas);
  const perChunk = price * replicas;
  const worst = chunks * perChunk;
  const budget = spec.maxCredits ?? worst;
  if (exact && worst > budget) {
    throw new MedusaError(
      "payment_required",
      `this job can cost up to ${worst} credits (${chunks} chunks × ${replicas} replicas × ${price} per chunk), more than maxCredits ${budget}`,
      { field: "maxCredits", worstCase: worst, maxCredits: budget },
    );
  }
  const held = Math.min(worst, budget);
  return { price, chunks, exact, held, maxChunks: perChunk === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(held / perChunk) };
}
