import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { NatsBus } from "@medusa/adapters/bus/nats-bus";
import { accountFileKey, call, subjects } from "@medusa/core";
import { rssOf, sha256OfFile, watchRss, writeRandomFile } from "@medusa/testing/big-files";
import { curl } from "@medusa/testing/ftp-clients";
import { natsAvailable, testPrefix, TEST_NATS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";

/**
 * The FTP service as Swarm runs it, a process of its own on NATS with the
 * credits service beside it, moving a 300 MB file with curl: back with the
 * same SHA-256, its memory flat while it streams, and an upload killed
 * halfway resumed with `curl -C -`.
 */
const root = resolve(import.meta.dir, "../../..");
const ready = await natsAvailable();
const MB = 1_000_000;
const SIZE = 300 * MB;
/**
 * Memory while streaming: the garbage collector lets the heap grow some way
 * before it settles (about +140 MB for 300 MB here, +175 MB for 1 GB), so
 * "flat" is checked as: the file is never held (growth well under its size),
 * and moving another 300 MB does not add to the peak.
 */
const RSS_GROWTH_LIMIT = 0.6 * SIZE;
const RSS_CREEP_LIMIT = 48 * MB;

describe.skipIf(!ready)("the FTP service alone, with a 300 MB file", () => {
  const procs: Subprocess[] = [];
  const output: string[] = [];
  let dir: string;
  let ftp: Subprocess;
  let base: string;
  let bus: NatsBus;
  let user: string;
  let source: string;
  let digest: string;
  let blobs: FolderBlobStore;
  let owner: string;

  function spawn(name: string, script: string, env: Record<string, string>): Subprocess {
    const proc = Bun.spawn([process.execPath, script], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        for await (const chunk of stream) output.push(`[${name}] ${new TextDecoder().decode(chunk)}`);
      })();
    }
    procs.push(proc);
    return proc;
  }
  const waitFor = <T>(check: () => Promise<T | false | null | undefined>, what: string, ms = 30_000) => until(check, ms, what, { everyMs: 50, context: () => output.join("").slice(-3000) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-ftp-transfer-"));
    const prefix = testPrefix("ftp");
    const env = { MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_PREFIX: prefix, MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_FTP_PORT: "0", MEDUSA_FTP_HOST: "127.0.0.1", MEDUSA_FTP_PASV_PORTS: "0" };
    spawn("credits", "services/credits/src/main.ts", env);
    ftp = spawn("ftp", "services/ftp/src/main.ts", env);
    const port = await waitFor(async () => /\[ftp\] listening on ftp:\/\/127\.0\.0\.1:(\d+)/.exec(output.join(""))?.[1], "the ftp service to listen");
    base = `ftp://127.0.0.1:${port}`;
    await waitFor(async () => output.join("").includes("[credits] serving"), "the credits service to serve");
    bus = await NatsBus.connect(TEST_NATS_URL, { prefix, name: "ftp-transfer-test" });
    const account = await call(bus, subjects.createAccount, { email: "big@example.com", password: "big files password" });
    owner = account.id;
    user = `big@example.com:${account.apiKey}`;
    blobs = new FolderBlobStore(join(dir, "data", "blobs"));
    source = join(dir, "source.bin");
    digest = await writeRandomFile(source, SIZE, 11);
  }, 60_000);

  afterAll(async () => {
    await bus?.drain();
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  test("up and back down with the same SHA-256, the service's memory flat", async () => {
    const baseline = rssOf(ftp.pid)!;
    const up = watchRss(ftp.pid);
    const put = await curl("-u", user, "--ftp-create-dirs", "-T", source, `${base}/big/source.bin`);
    const upPeak = up.stop();
    expect(put).toMatchObject({ code: 0, err: "" });
    expect((await blobs.stat(accountFileKey(owner, "big/source.bin")))?.sha256).toBe(digest);

    const copy = join(dir, "copy.bin");
    const down = watchRss(ftp.pid);
    expect((await curl("-u", user, "-o", copy, `${base}/big/source.bin`)).code).toBe(0);
    const downPeak = down.stop();
    expect(await sha256OfFile(copy)).toBe(digest);
    rmSync(copy);

    console.log(`ftp service RSS: ${(baseline / MB).toFixed(0)} MB at rest, peak ${(upPeak / MB).toFixed(0)} MB uploading and ${(downPeak / MB).toFixed(0)} MB downloading 300 MB`);
    expect(upPeak - baseline).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(downPeak - baseline).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(downPeak - upPeak).toBeLessThan(RSS_CREEP_LIMIT);
  }, 120_000);

  test("curl killed halfway through an upload, then resumed with -C -: the whole file, and it was never a file before", async () => {
    const key = accountFileKey(owner, "resumed.bin");
    // Rate-limited so that halfway is a moment the test can catch.
    const uploading = Bun.spawn(["curl", "-sS", "--limit-rate", "100M", "-u", user, "-T", source, `${base}/resumed.bin`], { stdout: "pipe", stderr: "pipe" });
    await waitFor(async () => ((await blobs.uploads.staged(key))?.size ?? 0) >= SIZE / 2, "half the file to arrive", 60_000);
    uploading.kill("SIGKILL");
    await uploading.exited;
    const cut = await waitFor(async () => {
      const a = (await blobs.uploads.staged(key))?.size;
      await Bun.sleep(200);
      const b = (await blobs.uploads.staged(key))?.size;
      return a !== undefined && a === b && a;
    }, "the cut upload to settle");
    expect(cut).toBeLessThan(SIZE);
    expect(await blobs.stat(key)).toBeNull();

    const watch = watchRss(ftp.pid);
    const resumed = await curl("-u", user, "-C", "-", "-T", source, `${base}/resumed.bin`);
    watch.stop();
    expect(resumed).toMatchObject({ code: 0, err: "" });
    expect(await blobs.stat(key)).toEqual({ key, size: SIZE, sha256: digest });
    expect(await blobs.uploads.staged(key)).toBeNull();
  }, 120_000);
});
