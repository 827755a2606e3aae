export {};

/**
 * `npm test`: every test file under bun's runner, then one closing line
 * `N passed, N failed` (CI reads that line; bun's own summary is not read).
 * Extra arguments go to `bun test` (a path filter, `--bail`, …).
 * The per-test timeout is set here because bun 1.4 ignores `[test] timeout`
 * in bunfig.toml (its 5 s default failed password-hashing tests at load 35).
 */
const args = process.argv.slice(2);
const timeout = args.some((a) => a.startsWith("--timeout")) ? [] : ["--timeout", "20000"];
const proc = Bun.spawn([process.execPath, "test", ...timeout, ...args], {
  stdout: "pipe",
  stderr: "pipe",
  env: process.env,
});

let summary = "";
async function forward(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    out.write(chunk);
    summary = (summary + decoder.decode(chunk, { stream: true })).slice(-4000);
  }
}
await Promise.all([forward(proc.stdout, process.stdout), forward(proc.stderr, process.stderr)]);
const exit = await proc.exited;

const count = (word: string) => Number(summary.match(new RegExp(`^\\s*(\\d+) ${word}\\b`, "m"))?.[1] ?? 0);
const passed = count("pass");
const failed = count("fail") + (exit !== 0 && count("fail") === 0 ? 1 : 0);
const skipped = count("skip");
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(exit === 0 && failed === 0 && passed > 0 ? 0 : 1);
