import { accountFileKey, binaryItemBytes, call, isBinaryChunk, MedusaError, subjects, type Bus, type ChunkInput, type FileBlobStore } from "@medusa/core";

/**
 * The bytes of one binary item, for the node that holds the chunk's lease
 * and for no one else: the scheduler confirms the lease (node, token, not
 * expired, job running) and names the chunk's input, so a node can ask only
 * for items of chunks it was given, and a gateway need not have sent the
 * chunk itself. Confirmed leases are kept for a few seconds, so a chunk of
 * many small files costs one bus call, not one per file.
 */
export interface ItemRequest {
  nodeId: string;
  jobId: string;
  index: number;
  item: number;
  token: string;
}

const CONFIRMED_MS = 5_000;
const CONFIRMED_MAX = 1_000;

export class ItemBytes {
  private readonly confirmed = new Map<string, { until: number; owner: string; input: ChunkInput }>();

  constructor(
    private readonly bus: Bus,
    private readonly blobs: FileBlobStore,
    private readonly now: () => number = Date.now,
  ) {}

  async serve(request: ItemRequest): Promise<Response> {
    const { owner, input } = await this.lease(request);
    if (!isBinaryChunk(input)) throw new MedusaError("not_found", `chunk ${request.index} of job ${request.jobId} has no binary items`);
    const { file, start, length } = binaryItemBytes(input, request.item);
    const key = accountFileKey(owner, file.path);
    const info = await this.blobs.stat(key);
    if (!info || info.sha256 !== file.sha256) {
      throw new MedusaError("conflict", `${file.path} was ${info ? "changed" : "deleted"} after the job was submitted; a job's files must stay as they were until it ends`);
    }
    const stream = start > 0 ? await this.blobs.getFrom(key, start) : await this.blobs.get(key);
    if (!stream) throw new MedusaError("conflict", `${file.path} was deleted after the job was submitted`);
    return new Response(firstBytes(stream, length), { headers: { "content-type": "application/octet-stream", "content-length": String(length) } });
  }

  private async lease(r: ItemRequest): Promise<{ owner: string; input: ChunkInput }> {
    const key = `${r.nodeId}|${r.jobId}|${r.index}|${r.token}`;
    const now = this.now();
    const known = this.confirmed.get(key);
    if (known && known.until > now) return known;
    const leased = await call(this.bus, subjects.leasedInput, { nodeId: r.nodeId, jobId: r.jobId, index: r.index, token: r.token });
    if (this.confirmed.size >= CONFIRMED_MAX) {
      for (const [k, v] of this.confirmed) if (v.until <= now || this.confirmed.size >= CONFIRMED_MAX) this.confirmed.delete(k);
    }
    this.confirmed.set(key, { ...leased, until: now + CONFIRMED_MS });
    return leased;
  }
}

/** The first `length` bytes of `stream`; the rest is never read. */
function firstBytes(stream: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left <= 0) {
        controller.close();
        await reader.cancel();
        return;
      }
      const { done, value } = await reader.read();
      if (done) return controller.close();
      const piece = value.length > left ? value.subarray(0, left) : value;
      left -= piece.length;
      controller.enqueue(piece);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
