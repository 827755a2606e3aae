import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { newId, sha256Hex } from "@medusa/core";
import { accountStoreContract } from "./accounts.contract.ts";
import { SqliteAccountStore } from "./sqlite-accounts.ts";

accountStoreContract("sqlite (memory)", async () => new SqliteAccountStore(":memory:"));

const dir = mkdtempSync(join(tmpdir(), "medusa-accounts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("accounts survive reopening the file", async () => {
  const path = join(dir, "accounts.sqlite");
  const first = new SqliteAccountStore(path);
  const row = { id: newId("acc"), email: "ada@example.com", passwordHash: "h", createdAt: 1, confirmedAt: null };
  await first.createAccount(row, sha256Hex("key"));
  await first.close();
  const second = new SqliteAccountStore(path);
  expect(await second.accountByEmail("ada@example.com")).toEqual(row);
  expect(await second.principalByTokenHash(sha256Hex("key"), 0)).toEqual({ kind: "account", accountId: row.id });
  await second.close();
});

test("accounts from before email confirmation count as confirmed when they were made", async () => {
  const path = join(dir, "old-accounts.sqlite");
  const old = new Database(path, { create: true });
  old.run("CREATE TABLE accounts (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL)");
  old.run("INSERT INTO accounts VALUES ('acc_old', 'old@example.com', 'h', 42)");
  old.close();
  const store = new SqliteAccountStore(path);
  expect((await store.accountById("acc_old"))?.confirmedAt).toBe(42);
  await store.close();
});
