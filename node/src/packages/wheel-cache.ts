import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { PackageSet, PinnedWheel } from "@medusa/core/packages";
import type { RunnerPackages } from "../runner/protocol.ts";

/**
 * The node's copy of the wheels its jobs pin. Each file is fetched once from
 * the gateway (with the node token), its SHA-256 checked against the pin as
 * it streams to disk, and renamed into place only when it matches, under
 * `<dir>/<sha256>/<file name>` (Pyodide reads the version and tags from the
 * name). A file already there is hashed again the first time this process
 * uses it, so a damaged cache is refetched rather than loaded.
 */

/** A wheel this node must not load for the job: wrong bytes, or a mirror for another Pyodide. Retrying here would not help. */
export class PackageRefused extends Error {}

export interface WheelCacheOptions {
  /** The gateway's base URL, http(s)://host[:port][/base]; a function for the one the node is on now. */
  gatewayUrl: string | (() => string);
  token: string;
  dir: string;
  /** The ABI of the Pyodide this node's runners load; a mirror built for another is refused. */
  abiVersion: string;
  /** How long one wheel may take to download (default 5 minutes). */
  timeoutMs?: number;
  /** The largest wheel accepted (default 1 GiB). */
  maxBytes?: number;
  log?: (line: string) => void;
}

export class WheelCache {
  /** By sha256: where the verified file is, once this process has checked it. */
  private readonly ready = new Map<string, Promise<string>>();

  constructor(private readonly opts: WheelCacheOptions) {}

  /** The set's files on this disk, verified; rejects with PackageRefused when one must not be loaded. */
  async prepare(set: PackageSet): Promise<RunnerPackages> {
    if (set.abiVersion !== undefined && set.abiVersion !== this.opts.abiVersion) {
      throw new PackageRefused(
        `the gateway's package mirror holds wheels for Pyodide ABI ${set.abiVersion}, this node's Pyodide is ABI ${this.opts.abiVersion}: the mirror must be filled from the Pyodide release the nodes run`,
      );
    }
    const paths = await Promise.all(set.wheels.map((w) => this.file(w)));
    return { wheels: set.wheels.map((w, i) => ({ ...w, path: paths[i]! })) };
  }

  private file(wheel: PinnedWheel): Promise<string> {
    let found = this.ready.get(wheel.sha256);
    if (!found) {
      found = this.obtain(wheel);
      this.ready.set(wheel.sha256, found);
      found.catch(() => this.ready.delete(wheel.sha256));
    }
    return found;
  }

  private async obtain(wheel: PinnedWheel): Promise<string> {
    const folder = join(this.opts.dir, wheel.sha256);
    const target = join(folder, wheel.fileName);
    if ((await Bun.file(target).exists()) && (await sha256OfFile(target)) === wheel.sha256) return target;
    await mkdir(folder, { recursive: true });
    const temp = `${target}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.part`;
    try {
      const got = await this.download(wheel, temp);
      if (got !== wheel.sha256) {
        throw new PackageRefused(`package ${wheel.name}: ${wheel.fileName} from the gateway has SHA-256 ${got}, not the ${wheel.sha256} the job pinned; refused, nothing of this job runs here`);
      }
      await rename(temp, target);
      this.opts.log?.(`[node] package ${wheel.name} ${wheel.version} cached (${wheel.fileName})`);
      return target;
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Streams the wheel into `temp`; returns the SHA-256 of what arrived. */
  private async download(wheel: PinnedWheel, temp: string): Promise<string> {
    const path = wheel.source === "mirror" ? `files/${encodeURIComponent(wheel.fileName)}` : `wheels/${wheel.sha256}`;
    const gateway = typeof this.opts.gatewayUrl === "string" ? this.opts.gatewayUrl : this.opts.gatewayUrl();
    const url = `${gateway.replace(/\/+$/, "")}/v1/packages/${path}`;
    const maxBytes = this.opts.maxBytes ?? 1024 * 1024 * 1024;
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.opts.token}` }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 300_000) });
    if (!res.ok || !res.body) throw new Error(`package ${wheel.name}: the gateway answered ${res.status} for ${wheel.fileName}`);
    const hasher = new Bun.CryptoHasher("sha256");
    const writer = Bun.file(temp).writer();
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > maxBytes) throw new Error(`package ${wheel.name}: ${wheel.fileName} is over ${maxBytes} bytes`);
        hasher.update(chunk);
        writer.write(chunk);
      }
    } finally {
      await writer.end();
    }
    return hasher.digest("hex");
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** http(s)://host/base from what the volunteer passed as --gateway (http(s), or the ws(s) node socket). */
export function gatewayHttpUrl(gateway: string): string {
  const url = new URL(gateway);
  if (url.protocol === "ws:" || url.protocol === "wss:") url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = url.pathname.replace(/\/v1\/nodes\/ws\/?$/, "").replace(/\/+$/, "");
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
