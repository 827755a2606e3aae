#!/usr/bin/env bun
/**
 * TEST ONLY: a dishonest volunteer node, for the liar simulation
 * (liars.e2e.test.ts). It speaks the node WebSocket protocol like a real
 * node but never runs a program: every chunk it is given comes back with
 * made-up results, and depending on its lies it also sends results for
 * chunks it does not hold and replays results it sent before. It is not part
 * of the node executable.
 *
 *   bun liar-node.ts --gateway URL --token NODE_TOKEN --lies wrong,foreign,replay [--skew N]
 *
 * wrong:   answers each map item x with x * 7 + skew (liars with the same skew collude)
 * foreign: also answers the neighbouring chunks, which it was never leased, with its own token
 * replay:  also sends again every result it sent before, old tokens and all
 */
import { GatewayMessage, NODE_PROTOCOL_VERSION, type NodeChunk } from "@medusa/core";

const Lie = ["wrong", "foreign", "replay"] as const;
type Lie = (typeof Lie)[number];

function args(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const gateway = get("--gateway");
  const token = get("--token");
  const lies = (get("--lies") ?? "wrong").split(",") as Lie[];
  if (!gateway || !token || lies.some((l) => !Lie.includes(l))) {
    console.error("usage: liar-node.ts --gateway URL --token NODE_TOKEN --lies wrong,foreign,replay [--skew N]");
    process.exit(2);
  }
  return { gateway, token, lies: new Set(lies), skew: Number(get("--skew") ?? 1) };
}

const opts = args(Bun.argv.slice(2));
const sent: Array<{ jobId: string; index: number; token: string; results: unknown }> = [];
const ws = new WebSocket(`${opts.gateway.replace(/^http/, "ws")}/v1/nodes/ws`, { headers: { Authorization: `Bearer ${opts.token}` } });
const send = (message: object) => ws.send(JSON.stringify({ v: NODE_PROTOCOL_VERSION, ...message }));
const result = (jobId: string, index: number, token: string, results: unknown) => {
  send({ type: "result", jobId, index, token, results });
  console.log(`sent ${jobId}#${index} with token ${token.slice(0, 12)}…`);
};

const madeUp = (chunk: NodeChunk) => (chunk.task === "reduce" ? { lie: opts.skew } : chunk.items.map((x) => (typeof x === "number" ? x * 7 + opts.skew : opts.skew)));

function answer(chunk: NodeChunk): void {
  const results = madeUp(chunk);
  if (opts.lies.has("foreign")) {
    for (const index of [chunk.index - 1, chunk.index + 1]) if (index >= 0) result(chunk.jobId, index, chunk.token, results);
  }
  if (opts.lies.has("replay")) for (const old of sent) result(old.jobId, old.index, old.token, old.results);
  result(chunk.jobId, chunk.index, chunk.token, results);
  sent.push({ jobId: chunk.jobId, index: chunk.index, token: chunk.token, results });
  send({ type: "want", n: 1 });
}

ws.onopen = () => {
  send({ type: "hello", slots: 2, sandbox: "process", runtimes: ["python", "wasi"], version: "liar" });
  send({ type: "want", n: 2 });
  console.log(`liar connected: ${[...opts.lies].join(",")}`);
};
ws.onmessage = (m) => {
  const message = GatewayMessage.safeParse(JSON.parse(String(m.data)));
  if (!message.success) return;
  if (message.data.type === "chunk") answer(message.data.chunk);
  if (message.data.type === "error") console.log(`gateway says: ${message.data.code}: ${message.data.message}`);
};
ws.onclose = (e) => {
  console.log(`closed: ${e.code} ${e.reason}`);
  process.exit(0);
};
