import { BinaryItem, limits, type NodeChunk } from "@medusa/core";

/**
 * The bytes of a binary chunk's items, fetched from the gateway when the
 * chunk is about to run: `GET /v1/nodes/chunks/<jobId>/<index>/items/<i>`
 * with the node token and the chunk's lease token, a few at a time. Each
 * item goes to the runner as `{name, size, offset?, base64}`: one JSON line
 * per item, which is also what a WASI module reads on stdin.
 */
export interface ItemFetchOptions {
  /** http(s)://host[:port][/base] of the gateway the node is on now. */
  gatewayUrl: string | (() => string);
  token: string;
  /** Items fetched at once. */
  parallel?: number;
  timeoutMs?: number;
}

export interface BinaryItemWithBytes extends BinaryItem {
  base64: string;
}

export class ItemFetch {
  constructor(private readonly opts: ItemFetchOptions) {}

  /** Every item of `chunk` with its bytes, in order; rejects naming the item that could not be had. */
  async items(chunk: NodeChunk, signal?: AbortSignal): Promise<BinaryItemWithBytes[]> {
    const described = chunk.items.map((item, i) => {
      const parsed = BinaryItem.safeParse(item);
      if (!parsed.success || parsed.data.size > limits.binaryItemBytes) throw new Error(`item ${i} of a binary chunk is not a binary item the node can fetch`);
      return parsed.data;
    });
    const out = new Array<BinaryItemWithBytes>(described.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < described.length; i = next++) {
        const bytes = await this.fetchItem(chunk, i, described[i]!, signal);
        out[i] = { ...described[i]!, base64: Buffer.from(bytes).toString("base64") };
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.parallel ?? 4, described.length) }, worker));
    return out;
  }

  private async fetchItem(chunk: NodeChunk, i: number, item: BinaryItem, signal?: AbortSignal): Promise<Uint8Array> {
    const gateway = typeof this.opts.gatewayUrl === "string" ? this.opts.gatewayUrl : this.opts.gatewayUrl();
    const base = gateway.replace(/\/+$/, "");
    const url = `${base}/v1/nodes/chunks/${encodeURIComponent(chunk.jobId)}/${chunk.index}/items/${i}`;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 120_000);
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${this.opts.token}`, "x-medusa-lease": chunk.token },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw new Error(`the gateway answered ${res.status} for ${item.name}: ${body?.error?.message ?? res.statusText}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length !== item.size) throw new Error(`${item.name}: the gateway sent ${bytes.length} bytes, not ${item.size}`);
    return bytes;
  }
}
