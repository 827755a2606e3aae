import { afterEach, beforeEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { MemoryBus } from "@medusa/adapters/bus/memory-bus";
import { FakeServices } from "@medusa/testing/fake-services";
import type { LogSink } from "@medusa/core";
import { createGateway, type GatewayDeps } from "../src/gateway.ts";
import { silentLog } from "../src/http/types.ts";

/** A gateway over a MemoryBus with the fakes answering and a real folder blob store in a temp dir. */
export function testGateway(opts: Partial<Pick<GatewayDeps, "maxJsonBytes" | "maxFileBytes" | "storageQuotaBytes" | "nodeTickMs" | "leaseRenewMs" | "maxNodeChunks" | "rateLimits" | "packageMirror" | "maxWheelBytes" | "downloads" | "activationGuesses" | "publicUrl">> & { log?: LogSink } = {}) {
  const bus = new MemoryBus();
  const fakes = new FakeServices(bus);
  const dir = mkdtempSync(join(tmpdir(), "gateway-test-"));
  const blobs = new FolderBlobStore(dir);
  const gateway = createGateway({ bus, blobs, log: silentLog, ...opts });
  return {
    bus,
    fakes,
    blobs,
    gateway,
    app: gateway.app,
    async close() {
      await gateway.close();
      fakes.close();
      await bus.drain();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestGateway = ReturnType<typeof testGateway>;

/** A real server for the WebSocket tests. */
export function listen(t: TestGateway) {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch, websocket: t.gateway.websocket, maxRequestBodySize: t.gateway.maxRequestBodySize });
  return { server, ws: (path: string) => `ws://127.0.0.1:${server.port}${path}` };
}

type GatewayOptions = Parameters<typeof testGateway>[0];

/**
 * For a file of node-socket tests: a gateway served on a port, made before
 * each test (node ticks a minute apart, so only the test wakes hungry nodes)
 * and stopped after it. Read `g.t` and `g.server` inside the tests;
 * `restart` swaps in a gateway with other options for one test.
 */
export function gatewayEachTest(opts: GatewayOptions = {}) {
  const g = {} as { t: TestGateway; server: ReturnType<typeof listen>; restart(more: GatewayOptions): Promise<void> };
  const start = (o: GatewayOptions) => {
    g.t = testGateway({ nodeTickMs: 60_000, ...o });
    g.server = listen(g.t);
  };
  const stop = async () => {
    g.server.server.stop(true);
    await g.t.close();
  };
  g.restart = async (more) => {
    await stop();
    start({ ...opts, ...more });
  };
  beforeEach(() => start(opts));
  afterEach(stop);
  return g;
}
