import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { MemoryBus } from "@medusa/adapters/bus/memory-bus";
import { FakeServices } from "@medusa/testing/fake-services";
import { startFtp, type FtpDeps, type FtpService } from "../src/ftp-server.ts";

export { curl, python } from "@medusa/testing/ftp-clients";

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
