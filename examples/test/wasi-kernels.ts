import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "@medusa/stack/env";
import { startStack } from "@medusa/stack/stack";

/**
 * What both WASI examples (C and Rust) must do, checked the way a user runs
 * them: upload the built .wasm to the embedded stack, submit a job over it,
 * read the results. The answers are checked against references written here.
 */
export function countPrimes(lo: number, hi: number): number {
  let c = 0;
  for (let n = lo; n < hi; n++) {
    if (n < 2) continue;
    if (n % 2 === 0) {
      if (n === 2) c++;
      continue;
    }
    let prime = true;
    for (let i = 3; i * i <= n; i += 2) {
      if (n % i === 0) {
        prime = false;
        break;
      }
    }
    if (prime) c++;
  }
  return c;
}

export interface Image {
  width: number;
  height: number;
  pixels: number[];
}

/** 3×3 box blur over in-bounds neighbours, rounded half up: what blur.c and blur.rs promise. */
export function blurReference({ width: w, height: h, pixels }: Image): Image {
  const out = pixels.map((_, k) => {
    const [x, y] = [k % w, Math.floor(k / w)];
    let [sum, n] = [0, 0];
    for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
      for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
        sum += pixels[yy * w + xx]!;
        n++;
      }
    }
    return Math.floor((2 * sum + n) / (2 * n));
  });
  return { width: w, height: h, pixels: out };
}

/** A test image: a gradient with a bright square and noise, so every pixel's neighbourhood differs. */
export function testImage(width: number, height: number, seed: number): Image {
  let s = seed;
  const noise = () => ((s = (1664525 * s + 1013904223) >>> 0) >>> 24) % 32;
  const pixels = Array.from({ length: width * height }, (_, k) => {
    const [x, y] = [k % width, Math.floor(k / width)];
    const square = x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2 ? 120 : 0;
    return Math.min(255, Math.floor((x * 100) / width) + square + noise());
  });
  return { width, height, pixels };
}

/** Runs `primes.wasm` and `blur.wasm` from `dir` as Medusa jobs on a fresh embedded stack. */
export async function checkKernelsOnStack(dir: string): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), "medusa-wasi-example-"));
  const stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: data, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
  try {
    const anon = new MedusaClient(stack.url);
    const client = anon.withKey((await anon.signUp("wasi@example.com", "a long password")).apiKey);
    for (const k of ["primes", "blur"]) await client.upload(`wasm/${k}.wasm`, Bun.file(join(dir, `${k}.wasm`)));

    const ranges = Array.from({ length: 8 }, (_, k): [number, number] => [k * 25_000, (k + 1) * 25_000]);
    const primes = await client.submit({ name: "primes", program: { runtime: "wasi", module: "wasm/primes.wasm" }, input: { items: ranges }, chunkSize: 2 });
    const images = [testImage(40, 30, 1), testImage(1, 1, 2), testImage(17, 3, 3)];
    const blur = await client.submit({ name: "blur", program: { runtime: "wasi", module: "wasm/blur.wasm" }, input: { items: images }, chunkSize: 2 });
    for (const job of [primes, blur]) expect((await client.follow(job.id)).state).toBe("done");
    expect(await client.results(primes.id)).toEqual(ranges.map(([lo, hi]) => countPrimes(lo, hi)));
    expect(await client.results(blur.id)).toEqual(images.map(blurReference));

    // A bad item fails the job with the module's own words and the item's place.
    const bad = await client.submit({ name: "bad", program: { runtime: "wasi", module: "wasm/blur.wasm" }, input: { items: [{ width: 2, height: 2, pixels: [1, 2, 3] }] } });
    const ended = await client.follow(bad.id);
    expect(ended.state).toBe("failed");
    expect(ended.error).toContain("pixels must be w*h whole numbers");
  } finally {
    await stack.close();
    rmSync(data, { recursive: true, force: true });
  }
}

/** Runs a built script (`build.sh`) into a fresh folder; the folder, or the script's complaint. */
export function build(script: string, args: string[] = []): { dir: string; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), "medusa-wasi-build-"));
  const run = Bun.spawnSync(["sh", script, ...args], { env: { ...process.env, OUT: dir }, stdout: "pipe", stderr: "pipe" });
  return run.exitCode === 0 ? { dir } : { dir, error: `${run.stderr.toString()}${run.stdout.toString()}`.trim() };
}
