import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteAccountStore, SqliteChunkStore, SqliteLedgerStore } from "@medusa/adapters";
import type { ChunkStore } from "@medusa/core";
import { serveCredits } from "@medusa/credits";
import { createGateway } from "@medusa/gateway";
import { serveScheduler } from "@medusa/scheduler";

/**
 * The HTTP edge over real services (credits, scheduler, gateway on the
 * in-process bus): what a client may see when something inside breaks, the
 * line each request leaves in the log, and how long a login token works.
 * The logs are plain-text sinks, so each line is searched as text.
 */
const SECRET = "Cannot read properties of undefined (reading 'redisPasswordFromConfig')";

let dir: string;
let url: string;
let gatewayLog: string[];
let schedulerLog: string[];
let closeAll: () => Promise<void>;

/** A chunk store whose listJobs is a bug: the kind of error that must never reach a client. */
function brokenListJobs(store: ChunkStore): ChunkStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "listJobs")
        return () => {
          throw new TypeError(SECRET);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "medusa-edge-"));
  gatewayLog = [];
  schedulerLog = [];
  const bus = new MemoryBus();
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const chunks = new SqliteChunkStore(":memory:");
  const accounts = new SqliteAccountStore(":memory:");
  const ledger = new SqliteLedgerStore(":memory:");
  const settlements = new DirectSettlements();
  const credits = serveCredits(bus, { store: accounts, ledger, settlements, starterCredits: 100, loginTtlMs: 1000, log: () => {} });
  const scheduler = serveScheduler(bus, { store: brokenListJobs(chunks), blobs, settlements, pricePerChunk: 0, log: (m) => schedulerLog.push(m) });
  const gateway = createGateway({ bus, blobs, log: (m: string) => gatewayLog.push(m) });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: gateway.app.fetch, websocket: gateway.websocket });
  url = `http://127.0.0.1:${server.port}`;
  closeAll = async () => {
    await gateway.close();
    server.stop(true);
    await scheduler.close();
    await credits.close();
    await bus.drain();
    for (const c of [chunks, accounts, ledger]) await c.close();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterEach(() => closeAll());

const post = (path: string, body: unknown) => fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const get = (path: string, token: string) => fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
const signUp = async () => (await (await post("/v1/accounts", { email: "ada@example.com", password: "ada-password" })).json()) as { id: string; apiKey: string };

describe("the HTTP edge", () => {
  test("a TypeError inside a scheduler handler: the client gets a generic 500 with a request id; both logs have the original under it", async () => {
    const { apiKey } = await signUp();
    const res = await get("/v1/jobs", apiKey);
    expect(res.status).toBe(500);
    const text = await res.text();
    // Neither the error's text nor its class nor a stack frame leaves the system.
    expect(text).not.toContain("redisPasswordFromConfig");
    expect(text).not.toContain("TypeError");
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details: { requestId: string } } };
    const requestId = error.details.requestId;
    expect(requestId).toMatch(/^req_/);
    expect(error).toEqual({ code: "internal", message: `internal error (request ${requestId})`, details: { requestId } });
    expect(res.headers.get("x-request-id")).toBe(requestId);
    // The service that threw logs the original and its stack, under the id the client was given...
    const thrown = schedulerLog.find((l) => l.includes(requestId));
    expect(thrown).toContain(SECRET);
    expect(thrown).toContain("services/scheduler/src/job-handlers.ts");
    // ...and so does the gateway that answered.
    expect(gatewayLog.filter((l) => l.includes(requestId)).join("\n")).toContain("redisPasswordFromConfig");
  });

  test("one log line per request: method, route pattern, status, duration, account and request id", async () => {
    const { id, apiKey } = await signUp();
    const res = await get(`/v1/jobs/job_nope`, apiKey);
    expect(res.status).toBe(404);
    const requestId = res.headers.get("x-request-id")!;
    const line = gatewayLog.find((l) => l.includes(requestId) && l.startsWith("request "));
    expect(line).toBeDefined();
    const fields = JSON.parse(line!.slice("request ".length)) as Record<string, unknown>;
    expect(fields).toMatchObject({ requestId, method: "GET", route: "/v1/jobs/:id", status: 404, accountId: id });
    expect(typeof fields.ms).toBe("number");
    // The raw path (ids, file names) is not what the line is keyed by.
    expect(line).not.toContain("job_nope");
  });

  test("a login token stops working when it expires, not up to 30 s later", async () => {
    await signUp();
    const login = (await (await post("/v1/auth/login", { email: "ada@example.com", password: "ada-password" })).json()) as { token: string; expiresAt: string };
    expect((await get("/v1/me", login.token)).status).toBe(200);
    await Bun.sleep(Math.max(0, Date.parse(login.expiresAt) - Date.now()) + 50);
    const expired = await get("/v1/me", login.token);
    expect(expired.status).toBe(401);
  });
});
