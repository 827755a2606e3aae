import { errorFields, jobBlobsPrefix, type BlobStore, type Logger } from "@medusa/core";

/**
 * Deletes a job's blobs (chunks too big to travel inline, its frozen WASI
 * module). A failure is logged, not thrown: the job's state is already what
 * it should be, and the retention sweep deletes the same prefix again.
 */
export async function dropJobBlobs(blobs: BlobStore, jobId: string, log: Logger): Promise<number> {
  try {
    return await blobs.deletePrefix(jobBlobsPrefix(jobId));
  } catch (err) {
    log.warn("a job's blobs could not be deleted", { jobId, ...errorFields(err) });
    return 0;
  }
}
