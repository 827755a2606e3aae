import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { NodePresence, PresenceStore } from "@medusa/core";

/** The suite both presence adapters (Redis, SQLite) pass. */
const node = (nodeId: string, over: Partial<NodePresence> = {}): NodePresence => ({ nodeId, gateway: "gw-a", connection: `${nodeId}-c1`, since: 1_000, chunksDone: 0, sandbox: "os-sandbox", slots: 2, ...over });

export function presenceContract(name: string, open: () => Promise<{ store: PresenceStore; close(): Promise<void> }>) {
  describe(`${name}: presence store`, () => {
    let store: PresenceStore;
    let close: () => Promise<void>;
    beforeEach(async () => ({ store, close } = await open()));
    afterEach(() => close());

    test("a heartbeat makes nodes present until it expires; a later one refreshes them", async () => {
      await store.heartbeat([node("n1"), node("n2", { chunksDone: 5 })], 10_000, "http://gw-a:8080");
      expect(await store.get(["n1", "n2", "n3"], 9_000)).toEqual({ n1: node("n1"), n2: node("n2", { chunksDone: 5 }) });
      expect(await store.get(["n1"], 10_001)).toEqual({});
      await store.heartbeat([node("n1", { chunksDone: 3 })], 20_000);
      expect((await store.get(["n1"], 15_000)).n1?.chunksDone).toBe(3);
      expect(await store.get([], 0)).toEqual({});
    });

    test("leaving removes only the connection that left: a node already on another gateway stays", async () => {
      await store.heartbeat([node("n1")], 10_000);
      await store.heartbeat([node("n1", { gateway: "gw-b", connection: "n1-c2" })], 10_000);
      await store.leave("n1", "n1-c1");
      expect((await store.get(["n1"], 5_000)).n1?.gateway).toBe("gw-b");
      await store.leave("n1", "n1-c2");
      expect(await store.get(["n1"], 5_000)).toEqual({});
    });

    test("expire takes out what expired, once, at most max at a time", async () => {
      await store.heartbeat([node("old1"), node("old2"), node("old3")], 5_000);
      await store.heartbeat([node("fresh")], 50_000);
      const first = await store.expire(6_000, 2);
      expect(first).toHaveLength(2);
      const second = await store.expire(6_000, 10);
      expect([...first, ...second].map((n) => n.nodeId).sort()).toEqual(["old1", "old2", "old3"]);
      expect(await store.expire(6_000, 10)).toEqual([]);
      expect(Object.keys(await store.get(["old1", "fresh"], 6_000))).toEqual(["fresh"]);
    });

    test("gateway URLs are listed while their gateway heartbeats", async () => {
      await store.heartbeat([], 10_000, "http://gw-b:8080");
      await store.heartbeat([], 20_000, "http://gw-a:8080");
      expect(await store.gatewayUrls(5_000)).toEqual(["http://gw-a:8080", "http://gw-b:8080"]);
      expect(await store.gatewayUrls(15_000)).toEqual(["http://gw-a:8080"]);
      await store.expire(15_000, 10);
      expect(await store.gatewayUrls(0)).toEqual(["http://gw-a:8080"]);
    });
  });
}
