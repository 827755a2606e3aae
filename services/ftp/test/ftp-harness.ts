import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { MemoryBus } from "@medusa/adapters/bus/memory-bus";
import { FakeServices } from "@medusa/testing/fake-services";
import { startFtp, type FtpDeps, type FtpService } from "../src/ftp-server.ts";

/**
 * The FTP service in this process, with the credits service's stand-in
 * answering logins on the bus (ALICE and BOB, by password or API key) and a
 * real folder blob store in a temp dir, on free ports. Clients are real
 * (Python's ftplib, curl) and run as child processes. (The stack's e2e tests
 * run it against the real credits service.)
 */
export async function ftpHarness(opts: Partial<FtpDeps> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "medusa-ftp-"));
  const bus = new MemoryBus();
  const fakes = new FakeServices(bus);
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const logged: string[] = [];
  const ftp: FtpService = await startFtp({ bus, blobs, maxFileBytes: 1 << 30, host: "127.0.0.1", port: 0, pasvPorts: { min: 0, max: 0 }, log: (m) => logged.push(m), ...opts });
  return {
    dir,
    bus,
    blobs,
    ftp,
    logged,
    fakes,
    async close() {
      await ftp.close();
      fakes.close();
      await bus.drain();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
export type FtpHarness = Awaited<ReturnType<typeof ftpHarness>>;

const PRELUDE = `
import ftplib, io, json, os, ssl, sys
def connect(user=None, secret=None, tls=False):
    f = ftplib.FTP_TLS(context=ssl._create_unverified_context()) if tls else ftplib.FTP()
    f.connect("127.0.0.1", int(os.environ["FTP_PORT"]), timeout=20)
    if tls:
        f.auth()
    f.login(user or os.environ["FTP_USER"], secret or os.environ["FTP_SECRET"])
    if tls:
        f.prot_p()
    return f
def refused(fn, *args):
    try:
        fn(*args)
    except ftplib.all_errors as e:
        return str(e)
    return None
`;

/** Runs a Python ftplib script (with `connect()` and `refused()` defined); returns its last line printed, parsed as JSON (null for none). */
export async function python(port: number, user: string, secret: string, script: string): Promise<any> {
  const proc = Bun.spawn(["python3", "-c", PRELUDE + script], { env: { ...process.env, FTP_PORT: String(port), FTP_USER: user, FTP_SECRET: secret }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`python exited ${code}:\n${err}\n${out}`);
  const last = out.trim().split("\n").at(-1)!;
  return last === "" ? null : JSON.parse(last);
}

/** Runs curl with `args`; resolves to its exit code and output. */
export async function curl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(["curl", "-sS", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}
