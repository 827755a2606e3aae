import { accountFileKey, jobBlobsPrefix, MedusaError, type BlobStore, type Program, type RunnableProgram, type StoredProgram } from "@medusa/core";

/**
 * A job's program, made self-contained for nodes. A WASI module is copied
 * into the job at submission so that changing or deleting the uploaded file
 * later cannot change what a running job executes.
 */
export class ProgramSource {
  private readonly cache = new Map<string, Promise<RunnableProgram>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly maxCached = 256,
  ) {}

  /** Freezes the program for a new job; fails with the field named when the module is missing. */
  async freeze(jobId: string, owner: string, program: Program): Promise<void> {
    if (program.runtime !== "wasi") return;
    const bytes = await this.blobs.bytes(accountFileKey(owner, program.module));
    if (!bytes) throw new MedusaError("invalid_field", `program.module: file ${program.module} not found`, { field: "program.module" });
    await this.blobs.put(moduleKey(jobId), bytes);
  }

  /** A Python program goes as stored, its pinned packages with it; a WASI module is read in. */
  resolve(jobId: string, program: StoredProgram): Promise<RunnableProgram> {
    if (program.runtime === "python") return Promise.resolve(program);
    let found = this.cache.get(jobId);
    if (!found) {
      found = this.load(jobId);
      found.catch(() => this.cache.delete(jobId));
      if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(jobId, found);
    }
    return found;
  }

  private async load(jobId: string): Promise<RunnableProgram> {
    const bytes = await this.blobs.bytes(moduleKey(jobId));
    if (!bytes) throw new MedusaError("not_found", `program module of job ${jobId} not found`);
    return { runtime: "wasi", moduleBase64: Buffer.from(bytes).toString("base64") };
  }
}

const moduleKey = (jobId: string) => `${jobBlobsPrefix(jobId)}program.wasm`;
