import type { Subprocess } from "bun";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeMessage, RunnableProgram } from "@medusa/core";
import { TestGateway, type GatewayConn } from "@medusa/testing/node-gateway";
import { buildNode } from "../../build/build-node.ts";
import { hostPlatform } from "../../build/targets.ts";

/**
 * The red team's target: the real node executable, built the way
 * `npm run build:node` builds it (into a scratch folder, so a test run never
 * races a build in dist/), run as a volunteer runs it, with a token in its
 * environment and secrets beside it. Hostile chunks reach it through a real
 * WebSocket gateway, so they take the path a stranger's job takes: agent →
 * pool → runner process. Tripwires record any harm that gets out: a file
 * that must not appear and a TCP listener that must see no connection.
 */

/** Building the node and its first start, which makes its Pyodide snapshot before its spares restore from it, on a loaded machine. */
export const START_MS = 300_000;

export const SECRET = `medusa-redteam-secret-${crypto.randomUUID()}`;

/** Builds this platform's node executable into `dir`, as `npm run build:node` builds it. */
export async function buildNodeExecutable(dir: string): Promise<string> {
  const platform = hostPlatform();
  if (!platform) throw new Error(`no node build for ${process.platform}-${process.arch}`);
  const [built] = await buildNode({ outDir: dir, platforms: [platform], naming: "plain" });
  return built!.path;
}

export type Report = Extract<NodeMessage, { type: "result" | "error" }>;

/** A chunk's first result object; a failed chunk fails the test with its error. */
export function results(report: Report): Record<string, string> {
  if (report.type !== "result") throw new Error(`chunk failed: ${report.error.message}`);
  return (report.results as Record<string, string>[])[0]!;
}

/** Why a chunk failed, or what it returned when it should have failed. */
export const failure = (report: Report) => (report.type === "error" ? report.error.message : `succeeded: ${JSON.stringify(report.results).slice(0, 200)}`);

export interface Tripwires {
  /** A path every hostile program tries to create; it must never exist. */
  marker: string;
  /** A listener on 127.0.0.1 every hostile program tries to reach. */
  port: number;
  connections(): number;
}

export class RedTeamNode {
  private jobs = 0;
  private chunks = 0;

  private constructor(
    readonly exe: string,
    readonly home: string,
    readonly gateway: TestGateway,
    readonly conn: GatewayConn,
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    readonly tripwires: Tripwires,
    private readonly listener: { stop(): void },
    /** The node's stdout and stderr, line by line. */
    readonly log: string[],
  ) {}

  /** Starts the node with 2 slots and a 512 MB memory cap per runner. */
  static async start(): Promise<RedTeamNode> {
    const home = join(tmpdir(), `medusa-redteam-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
    mkdirSync(home, { recursive: true });
    // Built afresh (about 2 s) beside the node's files, and removed with them.
    const exe = await buildNodeExecutable(home);
    // The node's own secret file, where a volunteer keeps such things.
    writeFileSync(join(home, "node-token.txt"), SECRET);
    let connections = 0;
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: () => void connections++, data: () => {} } });
    const tripwires = { marker: join(home, "PWNED"), port: listener.port, connections: () => connections };
    const gateway = new TestGateway(SECRET);
    const args = ["--gateway", gateway.url, "--slots", "2", "--memory-mb", "512", "--no-ui", "--settings", join(home, "settings.json")];
    const env = { MEDUSA_NODE_TOKEN: SECRET, HOME: home, XDG_CACHE_HOME: join(home, ".cache"), PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const proc = Bun.spawn([exe, ...args], { cwd: home, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const log: string[] = [];
    for (const stream of [proc.stdout, proc.stderr]) void collectLines(stream, log);
    const started = () => {
      if (proc.exitCode !== null) throw new Error(`the node exited (${proc.exitCode}): ${log.join("\n")}`);
      return gateway.conns[0]?.received.some((m) => m.type === "want") && gateway.conns[0];
    };
    const conn = await gateway.until("the node's hello", started, 120_000);
    conn.send({ type: "welcome", nodeId: "redteam-node" });
    return new RedTeamNode(exe, home, gateway, conn, proc, tripwires, listener, log);
  }

  /** What the node said in hello. */
  get hello(): Extract<NodeMessage, { type: "hello" }> {
    return this.conn.received.find((m) => m.type === "hello") as Extract<NodeMessage, { type: "hello" }>;
  }

  /** A fresh job id: every job gets runners of its own. */
  newJob(program: RunnableProgram, timeoutMs = 20_000): string {
    const jobId = `redteam-${++this.jobs}`;
    this.conn.send({ type: "job", jobId, program, timeoutMs });
    return jobId;
  }

  /** Sends one chunk of `jobId` and waits for the node's report of it. */
  async chunk(jobId: string, items: unknown[], waitMs = 90_000): Promise<Report> {
    const token = `t${++this.chunks}`;
    this.conn.send({ type: "chunk", chunk: { jobId, index: this.chunks, token, task: "map", items } });
    const isReport = (m: NodeMessage): m is Report => (m.type === "result" || m.type === "error") && m.token === token;
    return this.gateway.until(`the report of chunk ${token}`, () => this.conn.received.find(isReport), waitMs);
  }

  /** Runs one chunk of a new job: the common case. */
  async run(program: RunnableProgram, items: unknown[], timeoutMs?: number): Promise<Report> {
    return this.chunk(this.newJob(program, timeoutMs), items);
  }

  /** Processes whose parent is the node or one of its runners: the runners, and anything they managed to start. */
  descendants(): { runners: number[]; others: number[] } {
    const runners = childrenOf(this.proc.pid);
    return { runners, others: runners.flatMap(childrenOf) };
  }

  rssMb(pid = this.proc.pid): number {
    const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kb) / 1024;
  }

  /** The node still answers: a benign chunk of a new job comes back right. */
  async healthy(): Promise<boolean> {
    const report = await this.run({ runtime: "python", source: "def map(x):\n    return x * 3\n" }, [1, 2]);
    return report.type === "result" && JSON.stringify(report.results) === "[3,6]" && this.proc.exitCode === null;
  }

  async stop(): Promise<void> {
    this.proc.kill("SIGTERM");
    await Promise.race([this.proc.exited, Bun.sleep(10_000)]);
    this.proc.kill("SIGKILL");
    this.gateway.stop();
    this.listener.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

async function collectLines(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop()!;
    into.push(...lines);
  }
}
