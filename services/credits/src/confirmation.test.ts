import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { DirectSettlements, MemoryBus, SqliteAccountStore, SqliteLedgerStore } from "@medusa/adapters";
import { call, MedusaError, silentLogger, subjects, type Mail } from "@medusa/core";
import { serveCredits, type CreditsService } from "./credits-service.ts";

describe("email confirmation before the starter grant", () => {
  let bus: MemoryBus;
  let store: SqliteAccountStore;
  let ledger: SqliteLedgerStore;
  let service: CreditsService;
  let sent: Mail[];

  const start = (starterCredits: number) => {
    sent = [];
    const mailer = { send: async (m: Mail) => void sent.push(m) };
    service = serveCredits(bus, { store, ledger, settlements: new DirectSettlements(), starterCredits, loginTtlMs: 60_000, log: silentLogger, confirmation: { required: true, mailer, publicUrl: () => "https://medusa.example/" } });
  };
  beforeEach(() => {
    bus = new MemoryBus();
    store = new SqliteAccountStore(":memory:");
    ledger = new SqliteLedgerStore(":memory:");
  });
  afterEach(async () => {
    await service.close();
    await bus.drain();
    await store.close();
    await ledger.close();
  });

  const tokenOf = (mail: Mail) => new URL(/https:\S+/.exec(mail.text)![0]).searchParams.get("token")!;
  const refusal = (work: Promise<unknown>) => work.then(() => null, (e: unknown) => e as MedusaError);

  test("an unconfirmed account holds nothing and cannot pay; confirming grants exactly once", async () => {
    start(1000);
    const created = await call(bus, subjects.createAccount, { email: "ada@example.com", password: "correct horse" });
    expect(created).toMatchObject({ credits: 0, confirmed: false });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: "ada@example.com", subject: "Confirm your Medusa account" });
    expect(sent[0]!.text).toContain("https://medusa.example/v1/accounts/confirm?token=ct_");
    expect(await call(bus, subjects.getAccount, { accountId: created.id })).toMatchObject({ confirmed: false, credits: { available: 0, held: 0 } });

    const hold = { key: "hold:job_1", owner: created.id, jobId: "job_1", amount: 5 };
    expect(await refusal(call(bus, subjects.holdCredits, hold))).toMatchObject({ code: "forbidden", message: expect.stringContaining("confirm your email address first") });
    // Free work needs no credits, so no confirmation either.
    expect(await call(bus, subjects.holdCredits, { ...hold, key: "hold:job_0", jobId: "job_0", amount: 0 })).toEqual({ ok: true });

    const confirmed = await call(bus, subjects.confirmAccount, { token: tokenOf(sent[0]!) });
    expect(confirmed).toEqual({ id: created.id, email: "ada@example.com", confirmed: true, credits: { available: 1000, held: 0 } });
    const again = await Promise.all([1, 2, 3].map(() => call(bus, subjects.confirmAccount, { token: tokenOf(sent[0]!) })));
    expect(again.map((a) => a.credits.available)).toEqual([1000, 1000, 1000]);
    expect((await ledger.entriesOf(created.id, { limit: 10 })).filter((e) => e.reason === "grant")).toHaveLength(1);
    expect(await call(bus, subjects.holdCredits, hold)).toEqual({ ok: true });
  });

  test("an unknown token is a 404 and confirms nobody; a starter grant of 0 grants nothing", async () => {
    start(0);
    const created = await call(bus, subjects.createAccount, { email: "bob@example.com", password: "correct horse" });
    expect(await refusal(call(bus, subjects.confirmAccount, { token: "ct_forged" }))).toMatchObject({ code: "not_found" });
    expect(await call(bus, subjects.confirmAccount, { token: tokenOf(sent[0]!) })).toMatchObject({ id: created.id, confirmed: true, credits: { available: 0, held: 0 } });
  });
});
