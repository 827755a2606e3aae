import { afterEach, expect, test } from "bun:test";
import { TestGateway } from "@medusa/testing/node-gateway";
import { HeldPool } from "../../test/held-pool.ts";
import { NodeAgent } from "./agent.ts";
import { GatewayList } from "./gateway-list.ts";

const gateways: TestGateway[] = [];
let agent: NodeAgent | undefined;
const lines: string[] = [];

afterEach(async () => {
  await agent?.stop({ graceMs: 0 });
  agent = undefined;
  for (const g of gateways.splice(0)) g.stop();
  lines.length = 0;
});

function start(url: string | string[]) {
  agent = new NodeAgent({ url, token: "node-token", slots: 1, pool: new HeldPool(), version: "test", backoff: { initialMs: 20, maxMs: 200 }, log: (l) => lines.push(l) }).start();
  return agent;
}

test("a node whose gateway goes away reconnects to the next one it was given", async () => {
  const [a, b] = [new TestGateway(), new TestGateway()];
  gateways.push(a, b);
  const [first, second] = [a.httpUrl, b.httpUrl];
  start([first, second]);
  await a.until("the node on the first gateway", () => a.conns[0]?.received.some((m) => m.type === "hello"));
  a.stop();
  const hello = await b.until("the node on the second gateway", () => b.conns[0]?.received.find((m) => m.type === "hello"), 10_000);
  expect(hello).toMatchObject({ type: "hello", slots: 1 });
  expect(lines.some((l) => l.includes(`disconnected from ${first}`) && l.includes(`retrying at ${second}`))).toBe(true);
});

test("a gateway that cannot be reached is skipped; the welcome's list adds gateways to fail over to", async () => {
  const [dead, alive, told] = [new TestGateway(), new TestGateway(), new TestGateway()];
  gateways.push(alive, told);
  const [aliveUrl, toldUrl] = [alive.httpUrl, told.httpUrl];
  const deadUrl = dead.httpUrl;
  dead.stop();
  start(`${deadUrl},${aliveUrl}`);
  const conn = await alive.until("the node on the live gateway", () => alive.conns[0], 10_000);
  conn.send({ type: "welcome", nodeId: "n1", gateways: [aliveUrl, toldUrl] });
  await alive.until("hello", () => conn.received.some((m) => m.type === "hello"));
  // The welcome is handled before the socket closes: the told gateway is known by then.
  await Bun.sleep(50);
  alive.stop();
  // From the live one the list goes on to the told one (the dead one comes after).
  await told.until("the node on the gateway the welcome named", () => told.conns[0]?.received.some((m) => m.type === "hello"), 10_000);
});

test("GatewayList: comma-separated or several, http or ws forms, each once, in turn", () => {
  const list = new GatewayList(["http://a:1/", "ws://b:2/v1/nodes/ws,http://a:1"]);
  expect(list.all).toEqual(["http://a:1", "http://b:2"]);
  expect(list.socketUrl).toBe("ws://a:1/v1/nodes/ws");
  list.next();
  expect(list.httpUrl).toBe("http://b:2");
  list.learn(["https://c", "http://b:2"]);
  expect(list.all).toEqual(["http://a:1", "http://b:2", "https://c"]);
  list.next();
  list.next();
  expect(list.httpUrl).toBe("http://a:1");
  expect(() => new GatewayList("")).toThrow(/at least one gateway/);
});
