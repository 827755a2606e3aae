import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { MedusaError, newId, sha256Hex, type AccountRow, type AccountStore } from "@medusa/core";

/**
 * The behaviour every AccountStore adapter must share. `make` returns a
 * fresh, empty store for each test; the contract closes it afterwards.
 */
export function accountStoreContract(name: string, make: () => Promise<AccountStore>) {
  describe(`AccountStore contract: ${name}`, () => {
    let store: AccountStore;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    const account = (email: string, createdAt = 1_000): AccountRow => ({ id: newId("acc"), email, passwordHash: `$argon2id$fake$${email}`, createdAt, confirmedAt: null });
    const hash = (label: string) => sha256Hex(`${label}:${Math.random()}`);

    async function expectConflict(work: Promise<unknown>) {
      const err = await work.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MedusaError);
      expect((err as MedusaError).code).toBe("conflict");
      expect((err as MedusaError).message).toBe("email is already registered");
    }

    test("creates an account and finds it by email and by id", async () => {
      const row = account("ada@example.com");
      await store.createAccount(row, hash("key"));
      expect(await store.accountByEmail("ada@example.com")).toEqual(row);
      expect(await store.accountById(row.id)).toEqual(row);
      expect(await store.accountByEmail("bob@example.com")).toBeNull();
      expect(await store.accountById(newId("acc"))).toBeNull();
    });

    test("a taken email is a conflict, and the refused account's key resolves to nothing", async () => {
      await store.createAccount(account("ada@example.com"), hash("first"));
      const secondKey = hash("second");
      const second = account("ada@example.com");
      await expectConflict(store.createAccount(second, secondKey));
      expect(await store.accountById(second.id)).toBeNull();
      expect(await store.principalByTokenHash(secondKey, 0)).toBeNull();
    });

    test("emails differing only in case are the same email", async () => {
      const row = account("ada@example.com");
      await store.createAccount(row, hash("first"));
      await expectConflict(store.createAccount(account("Ada@Example.COM"), hash("second")));
      expect((await store.accountByEmail("ADA@example.com"))?.id).toBe(row.id);
    });

    test("an email given with capitals is stored lowercased", async () => {
      const row = account("Grace@Example.com");
      await store.createAccount(row, hash("key"));
      expect((await store.accountById(row.id))?.email).toBe("grace@example.com");
    });

    test("an API key resolves to its account, with no expiry", async () => {
      const row = account("ada@example.com");
      const key = hash("key");
      await store.createAccount(row, key);
      expect(await store.principalByTokenHash(key, Number.MAX_SAFE_INTEGER)).toEqual({ kind: "account", accountId: row.id });
    });

    test("a login token resolves to its account until it expires", async () => {
      const row = account("ada@example.com");
      await store.createAccount(row, hash("key"));
      const token = hash("login");
      await store.addLoginToken(token, row.id, 5_000);
      expect(await store.principalByTokenHash(token, 4_999)).toEqual({ kind: "account", accountId: row.id });
      expect(await store.principalByTokenHash(token, 5_000)).toBeNull();
      expect(await store.principalByTokenHash(token, 9_000)).toBeNull();
    });

    test("a node token resolves to the node and its owner", async () => {
      const owner = account("ada@example.com");
      await store.createAccount(owner, hash("key"));
      const node = { id: newId("node"), ownerId: owner.id, name: "attic pc", createdAt: 2_000 };
      const token = hash("node");
      await store.createNode(node, token);
      expect(await store.principalByTokenHash(token, 3_000)).toEqual({ kind: "node", nodeId: node.id, ownerId: owner.id });
    });

    test("an unknown token hash resolves to nothing", async () => {
      await store.createAccount(account("ada@example.com"), hash("key"));
      expect(await store.principalByTokenHash(hash("never issued"), 0)).toBeNull();
      expect(await store.principalByTokenHash("", 0)).toBeNull();
    });

    test("each owner sees only their own nodes, oldest first", async () => {
      const ada = account("ada@example.com");
      const bob = account("bob@example.com");
      const eve = account("eve@example.com");
      for (const a of [ada, bob, eve]) await store.createAccount(a, hash(a.email));
      const adaNodes = [
        { id: newId("node"), ownerId: ada.id, name: "laptop", createdAt: 10 },
        { id: newId("node"), ownerId: ada.id, name: "desktop", createdAt: 20 },
      ];
      const bobNode = { id: newId("node"), ownerId: bob.id, name: "server", createdAt: 15 };
      await store.createNode(adaNodes[1]!, hash("n1"));
      await store.createNode(bobNode, hash("n2"));
      await store.createNode(adaNodes[0]!, hash("n3"));
      expect(await store.nodesOf(ada.id)).toEqual(adaNodes);
      expect(await store.nodesOf(bob.id)).toEqual([bobNode]);
      expect(await store.nodesOf(eve.id)).toEqual([]);
      expect(await store.nodeById(bobNode.id)).toEqual(bobNode);
      expect(await store.nodeById("node_missing")).toBeNull();
    });

    test("an activation code is spent once, by the first caller, and only before it expires", async () => {
      const ada = account("ada@example.com");
      await store.createAccount(ada, hash("key"));
      const code = hash("code");
      await store.addActivationCode(code, ada.id, "lab pc", 10_000);
      const takes = await Promise.all([1, 2, 3, 4].map(() => store.takeActivationCode(code, 9_000)));
      expect(takes.filter((t) => t !== null)).toEqual([{ ownerId: ada.id, name: "lab pc" }]);
      expect(await store.takeActivationCode(code, 9_000)).toBeNull();
      expect(await store.takeActivationCode(hash("never issued"), 0)).toBeNull();

      const late = hash("late");
      await store.addActivationCode(late, ada.id, "slow pc", 10_000);
      expect(await store.takeActivationCode(late, 10_000)).toBeNull();
      expect(await store.takeActivationCode(late, 5_000)).toBeNull(); // an expired try spends it too
    });

    test("confirming: the token's account is confirmed once, at the first time; an unknown token confirms nobody", async () => {
      const ada = account("ada@example.com");
      const confirm = hash("confirm");
      await store.createAccount(ada, hash("key"), confirm);
      expect((await store.accountById(ada.id))?.confirmedAt).toBeNull();
      expect(await store.confirmAccount(confirm, 5_000)).toEqual({ ...ada, confirmedAt: 5_000 });
      expect(await store.confirmAccount(confirm, 9_000)).toEqual({ ...ada, confirmedAt: 5_000 });
      expect(await store.accountByEmail("ada@example.com")).toEqual({ ...ada, confirmedAt: 5_000 });
      expect(await store.confirmAccount(hash("never issued"), 5_000)).toBeNull();

      const bob = { ...account("bob@example.com"), confirmedAt: 1_000 };
      await store.createAccount(bob, hash("key"));
      expect(await store.accountById(bob.id)).toEqual(bob);
    });
  });
}
