import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build, checkKernelsOnStack, countPrimes } from "../test/wasi-kernels.ts";

/** The C path a user follows: ./build.sh with Debian's clang, then the modules run as Medusa jobs. */
function missingToolchain(): string | null {
  const missing: string[] = [];
  if (!Bun.which("clang")) missing.push("clang");
  if (!Bun.which("wasm-ld")) missing.push("lld");
  if (!process.env.WASI_SYSROOT && !existsSync("/usr/include/wasm32-wasi/stdio.h")) missing.push("wasi-libc");
  if (!process.env.WASI_SYSROOT && !new Bun.Glob("llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a").scanSync({ cwd: "/usr/lib" }).next().value) missing.push("libclang-rt-14-dev-wasm32");
  return missing.length ? missing.join(" ") : null;
}

const missing = missingToolchain();
if (missing) console.warn(`SKIP: examples/wasi-c is not built here: apt-get install ${missing}`);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(missing !== null)("examples/wasi-c", () => {
  test("build.sh makes primes.wasm and blur.wasm; as Medusa jobs they give the reference answers", async () => {
    const built = build(join(import.meta.dir, "build.sh"));
    dirs.push(built.dir);
    expect(built.error).toBeUndefined();
    await checkKernelsOnStack(built.dir);
  }, 120_000);

  test("the same C built natively gives the same counts (the bench's baseline)", () => {
    const built = build(join(import.meta.dir, "build.sh"), ["native"]);
    dirs.push(built.dir);
    expect(built.error).toBeUndefined();
    const run = Bun.spawnSync([join(built.dir, "primes-native")], { stdin: Buffer.from("[0, 100000]\n[99990,100010]\n") });
    expect(run.stdout.toString()).toBe(`${countPrimes(0, 100_000)}\n${countPrimes(99_990, 100_010)}\n`);
  });
});
