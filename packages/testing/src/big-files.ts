import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Large-file helpers for transfer tests and benches: files are generated and
 * hashed a megabyte at a time (never held in memory), and a process's memory
 * is read from /proc while it works.
 */
const CHUNK = 1 << 20;

/** Writes `bytes` of seeded pseudo-random data (incompressible, reproducible); returns its sha256. */
export async function writeRandomFile(path: string, bytes: number, seed = 1): Promise<string> {
  const hash = createHash("sha256");
  const file = await open(path, "w");
  const words = new Uint32Array(CHUNK / 4);
  let x = seed >>> 0 || 1;
  try {
    for (let written = 0; written < bytes; ) {
      for (let i = 0; i < words.length; i++) {
        // xorshift32: fast, and enough to defeat any compression on the way.
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      const chunk = new Uint8Array(words.buffer, 0, Math.min(CHUNK, bytes - written));
      hash.update(chunk);
      await file.write(chunk, 0, chunk.byteLength, written);
      written += chunk.byteLength;
    }
  } finally {
    await file.close();
  }
  return hash.digest("hex");
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of Bun.file(path).stream()) hash.update(chunk);
  return hash.digest("hex");
}

/** Resident memory of a process in bytes (Linux), or null once it has gone. */
export function rssOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; `peak()` is the highest seen so far. */
export function watchRss(pid: number, everyMs = 50) {
  let peak = rssOf(pid) ?? 0;
  const timer = setInterval(() => {
    const now = rssOf(pid);
    if (now !== null && now > peak) peak = now;
  }, everyMs);
  return {
    peak: () => peak,
    stop(): number {
      clearInterval(timer);
      return peak;
    },
  };
}
