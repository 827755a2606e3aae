import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DirectSettlements, MemoryBus, SqliteAccountStore, SqliteLedgerStore } from "@medusa/adapters";
import { call, MedusaError, subjects } from "@medusa/core";
import { serveCredits } from "./credits-service.ts";

const root = resolve(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "medusa-grant-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function grant(...args: string[]) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", MEDUSA_DATA_DIR: dir };
  const proc = Bun.spawn([process.execPath, "services/credits/src/grant.ts", ...args], { cwd: root, env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { out: out.trim(), err: err.trim(), code };
}

describe("npm run grant (embedded ledger)", () => {
  test("grants once per key, and refuses bad arguments and unknown accounts", async () => {
    const accounts = new SqliteAccountStore(join(dir, "accounts.sqlite"));
    await accounts.createAccount({ id: "acc_ada", email: "ada@example.com", passwordHash: "x", createdAt: 1, confirmedAt: 1 }, "hash-ada");
    await accounts.close();

    expect(await grant("ada@example.com", "50", "k1")).toMatchObject({ code: 0, out: "granted 50 to ada@example.com: available 50" });
    expect(await grant("ada@example.com", "50", "k1")).toMatchObject({ code: 0, out: "already granted 50 to ada@example.com: available 50" });
    const bad = await grant("ada@example.com", "-3");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("usage: npm run grant -- <email> <amount> [key]");
    const unknown = await grant("bob@example.com", "5");
    expect(unknown).toMatchObject({ code: 1, err: `no account bob@example.com in ${dir}` });

    const ledger = new SqliteLedgerStore(join(dir, "ledger.sqlite"));
    expect(await ledger.totals()).toEqual({ granted: 50, accounts: 50, escrow: 0 });
    await ledger.close();
  }, 30_000);
});

describe("grant over the bus", () => {
  test("the credits service grants by email, once per key", async () => {
    const bus = new MemoryBus();
    const store = new SqliteAccountStore(":memory:");
    const ledger = new SqliteLedgerStore(":memory:");
    const service = serveCredits(bus, { store, ledger, settlements: new DirectSettlements(), starterCredits: 10, loginTtlMs: 60_000 });
    try {
      const { id } = await call(bus, subjects.createAccount, { email: "ada@example.com", password: "correct horse" });
      expect(await call(bus, subjects.grantCredits, { email: "ada@example.com", amount: 5, key: "g1" })).toEqual({ accountId: id, applied: true, available: 15 });
      expect(await call(bus, subjects.grantCredits, { email: "ada@example.com", amount: 5, key: "g1" })).toEqual({ accountId: id, applied: false, available: 15 });
      const err = await call(bus, subjects.grantCredits, { email: "eve@example.com", amount: 5, key: "g2" }).catch((e: unknown) => e);
      expect((err as MedusaError).code).toBe("not_found");
    } finally {
      await service.close();
      await bus.drain();
      await store.close();
      await ledger.close();
    }
  });
});
