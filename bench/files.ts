/**
 * Moving files: upload and download throughput and the serving process's
 * peak memory for one file over HTTP (PUT / GET /v1/files) and over FTP,
 * beside curl copying the same file from disk to disk (what the disk and
 * curl manage with no server in between).
 *
 *   bun bench/files.ts [--mb 1000]
 *
 * The embedded stack runs as its own process (`bun apps/stack/src/serve.ts`,
 * no local nodes) so its RSS, read from /proc while each transfer runs, is
 * the server's alone. Every transfer is curl, to and from a temp dir that is
 * deleted afterwards. Prints a table and writes bench/results/files-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rssOf, sha256OfFile, watchRss, writeRandomFile } from "@medusa/testing/big-files";
import { until } from "@medusa/testing/until";
import { loadNow, machine } from "./lib/machine.ts";

const mbArg = process.argv.indexOf("--mb");
const mb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 1000;
if (!Number.isInteger(mb) || mb < 1 || mb > 1024) throw new Error("--mb takes a whole number of megabytes, 1 to 1024 (the default file cap is 1 GiB)");
const bytes = mb * 1_000_000;
const dir = mkdtempSync(join(tmpdir(), "medusa-bench-files-"));
const root = resolve(import.meta.dir, "..");

const output: string[] = [];
const stack = Bun.spawn([process.execPath, "apps/stack/src/serve.ts"], {
  cwd: root,
  env: { ...process.env, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0", MEDUSA_DATA_DIR: join(dir, "data") },
  stdout: "pipe",
  stderr: "pipe",
});
for (const stream of [stack.stdout, stack.stderr]) void (async () => { for await (const c of stream) output.push(new TextDecoder().decode(c)); })();

async function curl(args: string[]): Promise<void> {
  const proc = Bun.spawn(["curl", "-sS", "--fail", ...args], { stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`curl ${args.join(" ")} exited ${code}: ${err}`);
}

interface Row {
  path: string;
  direction: "up" | "down" | "copy";
  seconds: number;
  mbPerSecond: number;
  peakRssMb: number | null;
  rssAtRestMb: number | null;
  load1m: number;
}

async function measure(path: string, direction: Row["direction"], args: string[], server = true): Promise<Row> {
  const load = loadNow()[0];
  const rest = server ? rssOf(stack.pid) : null;
  const watch = server ? watchRss(stack.pid, 20) : null;
  const t0 = performance.now();
  await curl(args);
  const seconds = (performance.now() - t0) / 1000;
  const peak = watch?.stop() ?? null;
  return {
    path,
    direction,
    seconds: Math.round(seconds * 100) / 100,
    mbPerSecond: Math.round(mb / seconds),
    peakRssMb: peak === null ? null : Math.round(peak / 1e6),
    rssAtRestMb: rest === null ? null : Math.round(rest / 1e6),
    load1m: load,
  };
}

try {
  const served = await until(() => /serving on (http:\/\/\S+) \(FTP on (ftp:\/\/\S+)\)/.exec(output.join("")), 30_000, "the stack to serve", { context: () => output.join("") });
  const [, http, ftp] = served;
  const source = join(dir, "source.bin");
  const digest = await writeRandomFile(source, bytes, 5);
  const signUp = await fetch(`${http}/v1/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "bench@example.com", password: "bench password" }) });
  const { apiKey } = (await signUp.json()) as { apiKey: string };
  const auth = ["-H", `authorization: Bearer ${apiKey}`];
  const user = ["-u", `bench@example.com:${apiKey}`];
  const back = join(dir, "back.bin");
  const check = async (what: string) => {
    if ((await sha256OfFile(back)) !== digest) throw new Error(`${what}: the file came back different`);
    rmSync(back);
  };

  const rows: Row[] = [];
  rows.push(await measure("curl, disk to disk", "copy", ["-o", back, `file://${source}`], false));
  await check("disk copy");
  rows.push(await measure("HTTP PUT /v1/files", "up", [...auth, "-T", source, `${http}/v1/files/bench.bin`]));
  rows.push(await measure("HTTP GET /v1/files", "down", [...auth, "-o", back, `${http}/v1/files/bench.bin`]));
  await check("HTTP");
  rows.push(await measure("FTP STOR", "up", [...user, "-T", source, `${ftp}/bench-ftp.bin`]));
  rows.push(await measure("FTP RETR", "down", [...user, "-o", back, `${ftp}/bench-ftp.bin`]));
  await check("FTP");

  const width = Math.max(...rows.map((r) => r.path.length));
  console.log(`\nMoving a ${mb} MB file (command: bun bench/files.ts --mb ${mb})\n`);
  console.log(`${"path".padEnd(width)}  dir   ${"s".padStart(6)}  ${"MB/s".padStart(6)}  ${"server RSS MB (rest → peak)".padStart(27)}  load 1m`);
  for (const r of rows) {
    const rss = r.peakRssMb === null ? "—" : `${r.rssAtRestMb} → ${r.peakRssMb}`;
    console.log(`${r.path.padEnd(width)}  ${r.direction.padEnd(4)}  ${r.seconds.toFixed(2).padStart(6)}  ${String(r.mbPerSecond).padStart(6)}  ${rss.padStart(27)}  ${r.load1m}`);
  }
  mkdirSync(join(import.meta.dir, "results"), { recursive: true });
  const file = join(import.meta.dir, "results", `files-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await Bun.write(file, JSON.stringify({ startedAt: new Date().toISOString(), machine: machine(), mb, rows }, null, 2));
  console.log(`\nwrote ${file}`);
} finally {
  stack.kill("SIGTERM");
  await stack.exited;
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
