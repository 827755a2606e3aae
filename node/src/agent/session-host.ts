import { errorMessage, limits, NODE_PROTOCOL_VERSION, type GatewayMessage, type NodeMessage } from "@medusa/core";
import type { ChunkRunner } from "./chunk-runner.ts";

type Open = Extract<GatewayMessage, { type: "session_open" }>;
type Round = Extract<GatewayMessage, { type: "session_round" }>;

interface HostedSession {
  open: Open;
  partitions: Set<number>;
  /** Calls run one after another: a round must see every setup sent before it. */
  chain: Promise<void>;
}

/**
 * The node's sessions: each keeps one stateful runner (the pool's job with
 * the session's id) where `setup` ran for its partitions, and answers each
 * round with one `session_partials` message for all of them.
 */
export class SessionHost {
  private readonly sessions = new Map<string, HostedSession>();

  constructor(
    private readonly pool: ChunkRunner,
    private readonly send: (msg: NodeMessage) => unknown,
    private readonly log: (line: string) => void,
  ) {}

  open(msg: Open): void {
    let s = this.sessions.get(msg.sessionId);
    if (!s) {
      s = { open: msg, partitions: new Set(), chain: Promise.resolve() };
      this.sessions.set(msg.sessionId, s);
    }
    const session = s;
    this.enqueue(session, async () => {
      const outcome = await this.call(session, "setup", msg.partitions);
      if (!outcome.ok) return this.error(msg.sessionId, undefined, outcome.error.message);
      const ready = msg.partitions.map((p) => p.partition);
      for (const p of ready) session.partitions.add(p);
      this.send({ v: NODE_PROTOCOL_VERSION, type: "session_ready", sessionId: msg.sessionId, partitions: ready });
    });
  }

  round(msg: Round): void {
    const session = this.sessions.get(msg.sessionId);
    if (!session) return this.error(msg.sessionId, msg.round, "this node holds no such session (it may have restarted)");
    this.enqueue(session, async () => {
      const partitions = msg.partitions ?? [...session.partitions];
      const outcome = await this.call(session, "step", [{ params: msg.params, partitions }]);
      if (!outcome.ok) return this.error(msg.sessionId, msg.round, outcome.error.message);
      const partials = outcome.results as Array<{ partition: number; value: unknown }>;
      this.send({ v: NODE_PROTOCOL_VERSION, type: "session_partials", sessionId: msg.sessionId, round: msg.round, partials });
    });
  }

  close(sessionId: string): void {
    if (!this.sessions.delete(sessionId)) return;
    this.pool.dropJob(sessionId);
  }

  /** The socket closed: the gateway moves our partitions elsewhere, so their state here is of no use. */
  dropAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private call(s: HostedSession, task: "setup" | "step", items: unknown[]) {
    return this.pool.run({ jobId: s.open.sessionId, program: s.open.program, timeoutMs: s.open.timeoutMs, stateful: true }, { task, items });
  }

  private enqueue(s: HostedSession, work: () => Promise<void>): void {
    s.chain = s.chain.then(work).catch((err) => this.error(s.open.sessionId, undefined, errorMessage(err)));
  }

  private error(sessionId: string, round: number | undefined, message: string): void {
    this.log(`[node] session ${sessionId}: ${message}`);
    this.send({ v: NODE_PROTOCOL_VERSION, type: "session_error", sessionId, ...(round === undefined ? {} : { round }), message: message.slice(0, limits.errorMessageChars) });
  }
}
