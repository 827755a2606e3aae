import { definesReduce, MedusaError, measureChunks, replicasBudgeted, type BlobStore, type JobQuote, type JobRecord, type JobSpec } from "@medusa/core";

/**
 * What a job may cost, decided once, before anything runs, for a quote and
 * for the escrow of a job submitted alike. Each accepted result pays its node
 * `price`; a job of C chunks run on R replicas costs at most C × R × price
 * ("auto" counts as R = 2; a chunk pays at most its quorum's agreeing nodes,
 * and quorum ≤ R). C counts the reduce chunk. For a range, inline items,
 * binary records and a folder of files C is exact (binary chunks are cut by
 * bytes as well as items, which the input module counts from the files'
 * sizes); for a text file it is bounded from the file's size (see the input
 * module's file formats), so the escrow holds at most `maxCredits` and a file
 * that turns out longer than that pays for fails before the extra chunks run.
 */
export async function quoteJob(spec: JobSpec, owner: string | undefined, blobs: BlobStore, defaultPrice: number): Promise<JobQuote> {
  if (owner === undefined) {
    if ("file" in spec.input) throw new MedusaError("unauthorized", "input.file: a file input names one of your files: send your credentials to price it");
    if ("files" in spec.input) throw new MedusaError("unauthorized", "input.files: a files input names your files: send your credentials to price it");
  }
  const price = spec.pricePerChunk ?? defaultPrice;
  const reduce = definesReduce(spec.program);
  const measured = await measureChunks(spec.input, { owner: owner ?? "", blobs }, spec.chunkSize);
  const { exact } = measured;
  const chunks = measured.chunks + (reduce ? 1 : 0);
  const replicas = replicasBudgeted(spec.replicas);
  const worstCase = chunks * replicas * price;
  const budget = spec.maxCredits ?? worstCase;
  const quote: JobQuote = { chunks, exact, reduce, replicas, pricePerChunk: price, worstCase, held: Math.min(worstCase, budget) };
  if (exact && worstCase > budget) {
    quote.refused = `this job can cost up to ${worstCase} credits (${chunks} chunks × ${replicas} replicas × ${price} per chunk), more than maxCredits ${budget}`;
  }
  return quote;
}

/**
 * Why adding `adding` chunks would take a job past what its escrow pays for,
 * or null when it would not: a file job whose input turned out longer than
 * its held credits pay for stops here, before any extra chunk runs.
 */
export function overBudget(job: JobRecord, adding: number): string | null {
  if (job.credits.price === 0) return null;
  const perChunk = job.credits.price * replicasBudgeted(job.replicas);
  const maxChunks = Math.floor(job.credits.held / perChunk);
  const needed = job.chunks.total + adding + (job.hasReduce ? 1 : 0);
  if (needed <= maxChunks) return null;
  return `the input has more than ${maxChunks - (job.hasReduce ? 1 : 0)} chunks, more than the ${job.credits.held} credits held pay for at ${perChunk} per chunk; raise maxCredits`;
}
