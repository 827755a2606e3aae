import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build, checkKernelsOnStack } from "../test/wasi-kernels.ts";

/**
 * The Rust path a user follows: ./build.sh with a rustc that has a wasm32
 * WASI std (rustup's wasm32-wasip1, or Debian's rustc with
 * libstd-rust-dev-wasm32), then the modules run as Medusa jobs.
 */
const built = build(join(import.meta.dir, "build.sh"));
const missing = built.error?.startsWith("no rustc here") ? built.error : null;
if (missing) console.warn(`SKIP: examples/wasi-rust is not built here: ${missing}`);
afterAll(() => rmSync(built.dir, { recursive: true, force: true }));

describe.skipIf(missing !== null)("examples/wasi-rust", () => {
  test("build.sh makes primes.wasm and blur.wasm; as Medusa jobs they give the reference answers", async () => {
    expect(built.error).toBeUndefined();
    await checkKernelsOnStack(built.dir);
  }, 120_000);
});
