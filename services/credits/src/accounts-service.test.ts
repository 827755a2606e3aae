import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, encodeJson, decodeJson, MedusaError, subjects, WIRE_VERSION, type AccountRow } from "@medusa/core";
import { SqliteAccountStore } from "@medusa/adapters/accounts/sqlite-accounts";
import { MemoryBus } from "@medusa/adapters/bus/memory-bus";
import { DirectSettlements } from "@medusa/adapters/settlements/direct-settlements";
import { SqliteLedgerStore } from "@medusa/adapters/ledger/sqlite-ledger";
import { serveCredits, type CreditsService } from "./credits-service.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-credits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records what the service hands the store, to check emails reach it lowercased. */
class RecordingStore extends SqliteAccountStore {
  readonly created: AccountRow[] = [];
  override async createAccount(row: AccountRow, apiKeyHash: string) {
    this.created.push(row);
    return super.createAccount(row, apiKeyHash);
  }
}

async function failure(work: Promise<unknown>): Promise<MedusaError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedusaError);
  return err as MedusaError;
}

describe("accounts service", () => {
  let bus: MemoryBus;
  let store: RecordingStore;
  let service: CreditsService;
  let ledger: SqliteLedgerStore;
  let dbPath: string;
  let clock: number;

  beforeEach(() => {
    dbPath = join(dir, `${crypto.randomUUID()}.sqlite`);
    bus = new MemoryBus();
    store = new RecordingStore(dbPath);
    clock = Date.UTC(2030, 0, 1);
    ledger = new SqliteLedgerStore(":memory:");
    service = serveCredits(bus, { store, ledger, settlements: new DirectSettlements(), starterCredits: 1000, loginTtlMs: 60_000, now: () => clock });
  });
  afterEach(async () => {
    await service.close();
    await bus.drain();
    await store.close();
    await ledger.close();
  });

  const signUp = (email = "ada@example.com", password = "correct horse") => call(bus, subjects.createAccount, { email, password });

  test("sign-up returns an API key that verifies to the new account", async () => {
    const created = await signUp();
    expect(created).toMatchObject({ email: "ada@example.com", credits: 1000 });
    expect(created.apiKey).toStartWith("mk_");
    const { principal } = await call(bus, subjects.verifyToken, { token: created.apiKey });
    expect(principal).toEqual({ kind: "account", accountId: created.id });
    const account = await call(bus, subjects.getAccount, { accountId: created.id });
    expect(account).toEqual({ id: created.id, email: "ada@example.com", confirmed: true, credits: { available: 1000, held: 0 } });
  });

  test("emails reach the store lowercased and passwords only as argon2id hashes", async () => {
    await signUp("  Ada@Example.COM ", "correct horse");
    expect(store.created).toHaveLength(1);
    expect(store.created[0]!.email).toBe("ada@example.com");
    expect(store.created[0]!.passwordHash).toStartWith("$argon2id$");
    expect(store.created[0]!.passwordHash).not.toContain("correct horse");
  });

  test("login returns a token that verifies until it expires", async () => {
    const created = await signUp();
    const login = await call(bus, subjects.login, { email: "ADA@example.com", password: "correct horse" });
    expect(login.expiresAt).toBe(new Date(clock + 60_000).toISOString());
    expect((await call(bus, subjects.verifyToken, { token: login.token })).principal).toEqual({ kind: "account", accountId: created.id });
    clock += 60_000;
    expect((await call(bus, subjects.verifyToken, { token: login.token })).principal).toBeNull();
  });

  test("a wrong password and an unknown email get the same unauthorized error", async () => {
    await signUp();
    const wrongPassword = await failure(call(bus, subjects.login, { email: "ada@example.com", password: "wrong horse" }));
    const unknownEmail = await failure(call(bus, subjects.login, { email: "bob@example.com", password: "correct horse" }));
    expect(wrongPassword.code).toBe("unauthorized");
    expect(unknownEmail.code).toBe("unauthorized");
    expect(wrongPassword.message).toBe("email or password is wrong");
    expect(unknownEmail.message).toBe(wrongPassword.message);
  });

  test("credentials: an email with its password or its own API key names the account; anything else nobody", async () => {
    const ada = await signUp();
    const bob = await signUp("bob@example.com", "bob's password");
    const node = await call(bus, subjects.registerNode, { ownerId: ada.id, name: "n" });
    const check = (email: string, secret: string) => call(bus, subjects.verifyCredentials, { email, secret });
    expect(await check("ADA@example.com", "correct horse")).toEqual({ accountId: ada.id });
    expect(await check("ada@example.com", ada.apiKey)).toEqual({ accountId: ada.id });
    expect(await check("ada@example.com", "wrong horse")).toEqual({ accountId: null });
    // Another account's key, a node token or an unknown email never log anyone in.
    expect(await check("ada@example.com", bob.apiKey)).toEqual({ accountId: null });
    expect(await check("bob@example.com", ada.apiKey)).toEqual({ accountId: null });
    expect(await check("ada@example.com", node.nodeToken)).toEqual({ accountId: null });
    expect(await check("nobody@example.com", "correct horse")).toEqual({ accountId: null });
  });

  test("an unknown token verifies to nobody", async () => {
    await signUp();
    expect((await call(bus, subjects.verifyToken, { token: "mk_not-a-real-key" })).principal).toBeNull();
  });

  test("a second sign-up with the same email is a conflict", async () => {
    await signUp("ada@example.com");
    const err = await failure(signUp("Ada@Example.com", "another password"));
    expect(err.code).toBe("conflict");
    expect(err.message).toBe("email is already registered");
  });

  test("a registered node's token verifies as that node of its owner, listed only for the owner", async () => {
    const ada = await signUp("ada@example.com");
    const bob = await signUp("bob@example.com");
    const node = await call(bus, subjects.registerNode, { ownerId: ada.id, name: " attic pc " });
    expect(node.nodeToken).toStartWith("nt_");
    expect((await call(bus, subjects.verifyToken, { token: node.nodeToken })).principal).toEqual({ kind: "node", nodeId: node.nodeId, ownerId: ada.id });
    const { nodes } = await call(bus, subjects.listNodes, { ownerId: ada.id });
    expect(nodes).toEqual([{ nodeId: node.nodeId, name: "attic pc", chunksDone: 0, creditsEarned: 0, createdAt: new Date(clock).toISOString() }]);
    expect((await call(bus, subjects.listNodes, { ownerId: bob.id })).nodes).toEqual([]);
  });

  test("a node for an unknown account, or with an empty name, is refused", async () => {
    const ada = await signUp();
    expect((await failure(call(bus, subjects.registerNode, { ownerId: "acc_nobody", name: "pc" }))).code).toBe("not_found");
    expect((await failure(call(bus, subjects.registerNode, { ownerId: ada.id, name: "   " }))).code).toBe("invalid_field");
    expect((await failure(call(bus, subjects.getAccount, { accountId: "acc_nobody" }))).code).toBe("not_found");
  });

  test("an activation code, typed loosely, becomes one node of its owner with a working token, once, within 15 minutes", async () => {
    const ada = await signUp();
    const activation = await call(bus, subjects.createNodeActivation, { ownerId: ada.id, name: " lab pc " });
    expect(activation.name).toBe("lab pc");
    expect(Date.parse(activation.expiresAt) - clock).toBe(15 * 60_000);
    const node = await call(bus, subjects.activateNode, { code: ` ${activation.code.toLowerCase().replace("-", " ")} ` });
    expect(node).toMatchObject({ name: "lab pc", nodeId: expect.stringMatching(/^node_/) });
    const verified = await call(bus, subjects.verifyToken, { token: node.nodeToken });
    expect(verified.principal).toEqual({ kind: "node", nodeId: node.nodeId, ownerId: ada.id });
    expect((await call(bus, subjects.listNodes, { ownerId: ada.id })).nodes.map((n) => n.name)).toEqual(["lab pc"]);

    const again = await failure(call(bus, subjects.activateNode, { code: activation.code }));
    expect(again.code).toBe("invalid_field");
    expect(again.message).toContain("already used or expired");
    expect(again.details).toEqual({ issues: [{ field: "code", message: again.message }] });

    const late = await call(bus, subjects.createNodeActivation, { ownerId: ada.id, name: "slow pc" });
    clock += 15 * 60_000;
    expect((await failure(call(bus, subjects.activateNode, { code: late.code }))).message).toContain("expired");
    expect((await failure(call(bus, subjects.activateNode, { code: "hello" }))).message).toContain("10 letters and digits");
    expect((await failure(call(bus, subjects.createNodeActivation, { ownerId: "acc_nobody", name: "pc" }))).code).toBe("not_found");
    expect((await call(bus, subjects.listNodes, { ownerId: ada.id })).nodes).toHaveLength(1);
  });

  test("no secret is stored in plain text in the SQLite files", async () => {
    const created = await signUp("ada@example.com", "correct horse");
    const login = await call(bus, subjects.login, { email: "ada@example.com", password: "correct horse" });
    const node = await call(bus, subjects.registerNode, { ownerId: created.id, name: "pc" });
    const activation = await call(bus, subjects.createNodeActivation, { ownerId: created.id, name: "other pc" });
    const activated = await call(bus, subjects.activateNode, { code: activation.code });
    const pending = await call(bus, subjects.createNodeActivation, { ownerId: created.id, name: "third pc" });
    const base = dbPath.split("/").pop()!;
    const files = readdirSync(dir).filter((f) => f.startsWith(base));
    expect(files).toContain(base);
    // The WAL holds recent writes before a checkpoint, so read every file of the database.
    const bytes = files.map((f) => readFileSync(join(dir, f)).toString("latin1")).join("");
    expect(bytes).toContain("ada@example.com"); // proves the bytes read are the ones written
    const codes = [activation.code, pending.code].flatMap((c) => [c, c.replace("-", "")]);
    for (const secret of [created.apiKey, login.token, node.nodeToken, activated.nodeToken, ...codes, "correct horse"]) expect(bytes).not.toContain(secret);
  });

  test("bad payloads are refused with invalid_field naming the field", async () => {
    const badEmail = await failure(call(bus, subjects.createAccount, { email: "not an email", password: "correct horse" }));
    expect(badEmail.code).toBe("invalid_field");
    expect(badEmail.message).toContain("email");
    const shortPassword = await failure(call(bus, subjects.createAccount, { email: "ada@example.com", password: "short" }));
    expect(shortPassword.code).toBe("invalid_field");
    expect(shortPassword.message).toContain("password");
    // A raw message missing its fields, as a buggy or hostile caller might send.
    const raw = decodeJson(await bus.request(subjects.login.subject, encodeJson({ v: WIRE_VERSION, data: { email: 42 } }), { timeoutMs: 1000 })) as {
      ok: boolean;
      error: { code: string };
    };
    expect(raw.ok).toBe(false);
    expect(raw.error.code).toBe("invalid_field");
    expect(store.created).toHaveLength(0);
  });

  test("close stops answering", async () => {
    await service.close();
    expect((await failure(signUp())).code).toBe("unavailable");
  });
});
