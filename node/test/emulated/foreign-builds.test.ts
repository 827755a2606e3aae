import { afterAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestGateway } from "@medusa/testing/node-gateway";
import { wasiProgram } from "@medusa/testing/wat-fixtures";
import { buildNode } from "../../build/build-node.ts";
import { buildFile, type Platform } from "../../build/targets.ts";
import { emulatorFor } from "./emulators.ts";

/**
 * Builds a platform's node (as `build:node -- --all` does), runs it under an
 * emulator as a volunteer would run it natively, and has it finish a WASI
 * chunk for a real WebSocket gateway. Neither platform has the Linux OS
 * sandbox here (qemu-user refuses seccomp; Windows has none), so each must
 * say `wasi-only` and offer WASI alone.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function buildShim(dir: string): Promise<void> {
  const here = import.meta.dir;
  const cc = Bun.spawnSync(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", join(dir, "bcryptprimitives.dll"), join(here, "bcryptprimitives.c"), join(here, "bcryptprimitives.def"), "-ladvapi32"], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`building the bcryptprimitives stand-in failed: ${cc.stderr.toString()}`);
}

for (const platform of ["linux-arm64", "windows-x64"] as Platform[]) {
  const emulator = emulatorFor(platform);
  if ("missing" in emulator) console.warn(`SKIP: the ${platform} node build is not run here: ${emulator.missing}`);

  describe.skipIf("missing" in emulator)(`the ${platform} build, emulated`, () => {
    test("connects, says wasi-only, and finishes a WASI job", async () => {
      if ("missing" in emulator) return;
      const dir = mkdtempSync(join(tmpdir(), `medusa-${platform}-`));
      dirs.push(dir);
      const [built] = await buildNode({ outDir: dir, platforms: [platform], version: "0.1.0-7-gfeedbee" });
      if (emulator.needsShim) await buildShim(dir);
      const gateway = new TestGateway("emulated-token");
      const env = { ...emulator.env, HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), WINEPREFIX: join(dir, "wine"), PATH: process.env.PATH ?? "/usr/bin:/bin", MEDUSA_NODE_TOKEN: "emulated-token" };
      const args = ["--gateway", gateway.url.replace("ws://", "http://").replace("/v1/nodes/ws", ""), "--slots", "1", "--no-ui", "--settings", join(dir, "settings.json")];
      const log: string[] = [];
      let proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
      try {
        proc = Bun.spawn([...emulator.prefix, built!.path, ...args], { cwd: dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
        for (const s of [proc.stdout, proc.stderr]) void (async () => { for await (const c of s) log.push(new TextDecoder().decode(c)); })();
        const conn = await gateway.until("the node's want", () => gateway.conns[0]?.received.some((m) => m.type === "want") && gateway.conns[0], 120_000).catch((err) => {
          throw new Error(`${err.message}; the node said: ${log.join("")}`);
        });
        expect(conn.received.find((m) => m.type === "hello")).toMatchObject({ sandbox: "wasi-only", runtimes: ["wasi"], version: "0.1.0-7-gfeedbee" });
        conn.send({ type: "welcome", nodeId: `emulated-${platform}` });
        conn.send({ type: "job", jobId: "j", program: await wasiProgram("echo"), timeoutMs: 60_000 });
        const items = [1, "two", { three: [3] }];
        conn.send({ type: "chunk", chunk: { jobId: "j", index: 0, token: "t0", task: "map", items } });
        const report = await gateway.until("the chunk's report", () => conn.received.find((m) => m.type === "result" || m.type === "error"), 120_000);
        expect(report).toMatchObject({ type: "result", token: "t0", results: items });
        expect(log.join("")).toContain("running WASI modules only");
      } finally {
        proc?.kill("SIGKILL");
        await proc?.exited;
        gateway.stop();
        // Wine leaves a server per prefix; end ours, and only ours.
        if (platform === "windows-x64") Bun.spawnSync(["wineserver", "-k"], { env: { ...env, PATH: `${process.env.PATH}:/usr/lib/wine` } });
      }
    }, 240_000);
  });
}
