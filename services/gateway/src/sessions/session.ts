import type { GatewayMessageBody, PinnedPythonProgram, SessionEvent, SessionSpec, SessionState, SessionStatus } from "@medusa/core";

/** A session's spec with its packages pinned into the program its nodes get. */
export type HostedSessionSpec = Omit<SessionSpec, "program"> & { program: PinnedPythonProgram };

/** A node that can hold partitions, as the session sees it. */
export interface SessionNode {
  nodeId: string;
  send(message: GatewayMessageBody): void;
}

export interface SessionPorts {
  /** Up to `count` nodes able to run Python sessions, spreading load, none of `exclude`. */
  pickNodes(count: number, exclude: Set<string>): SessionNode[];
  node(nodeId: string): SessionNode | undefined;
  /** Called once per partition answered in a round (its node earns the round's price). */
  paid(round: number, partition: number, nodeId: string): void;
  /** The session reached a final state: settle its escrow. */
  ended(session: Session): void;
}

interface Round {
  round: number;
  params: unknown;
  stream: boolean;
  started: number;
  partials: unknown[];
  have: boolean[];
}

/**
 * One session's placement and rounds. A round is sent to every node holding
 * partitions and completes when each partition answered once: a partial
 * from a node that no longer holds the partition, or a second one, is
 * ignored, so a round is never answered twice even across replacements.
 */
export class Session {
  state: SessionState = "starting";
  rounds = 0;
  spent = 0;
  error: string | undefined;
  readonly createdAt = Date.now();
  readonly clients = new Set<(event: SessionEvent) => void>();

  private readonly placement: string[];
  private readonly unready = new Set<number>();
  private current: Round | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly id: string,
    readonly owner: string,
    readonly spec: HostedSessionSpec,
    private readonly parts: unknown[][],
    readonly price: number,
    readonly held: number,
    private readonly ports: SessionPorts,
  ) {
    this.placement = parts.map(() => "");
  }

  /** Places every partition; fails at once when no node can hold them. */
  start(): void {
    this.place(this.parts.map((_, p) => p), new Set());
    this.arm(this.spec.timeoutMs, "setup");
  }

  status(): SessionStatus {
    return {
      id: this.id,
      name: this.spec.name,
      state: this.state,
      partitions: this.parts.length,
      rounds: this.rounds,
      credits: { held: this.final ? 0 : this.held - this.spent, spent: this.spent },
      createdAt: new Date(this.createdAt).toISOString(),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  get final(): boolean {
    return this.state === "ended" || this.state === "failed";
  }

  /** The client asks for the next round. Returns an error message, or null when the round went out. */
  request(round: number, params: unknown, stream: boolean): string | null {
    if (this.final) return `the session has ${this.state}`;
    if (this.state === "starting") return "the session is still starting: wait for its ready event";
    if (this.current) return `round ${this.current.round} is still running`;
    if (round !== this.rounds + 1) return `the next round is ${this.rounds + 1}, not ${round}`;
    if (this.spent + this.price * this.parts.length > this.held) {
      this.finish("ended", `the ${this.held} credits held are spent`);
      return "the session's credits are spent";
    }
    const n = this.parts.length;
    this.current = { round, params, stream, started: performance.now(), partials: new Array(n), have: new Array(n).fill(false) };
    this.sendRound(this.current, null);
    this.arm(this.spec.timeoutMs, `round ${round}`);
    return null;
  }

  onReady(nodeId: string, partitions: number[]): void {
    const mine = partitions.filter((p) => this.placement[p] === nodeId && this.unready.delete(p));
    if (this.final) return;
    // Partitions set up again mid-round catch up on the round in flight.
    if (this.current && mine.length > 0) this.sendRound(this.current, new Set(mine));
    if (this.state === "starting" && this.unready.size === 0) {
      this.state = "ready";
      this.arm(this.spec.idleTimeoutMs, "idle");
      this.emit({ type: "ready", partitions: this.parts.length, rounds: this.rounds });
    }
  }

  onPartials(nodeId: string, round: number, partials: Array<{ partition: number; value: unknown }>): void {
    const r = this.current;
    if (!r || r.round !== round || this.final) return;
    for (const { partition, value } of partials) {
      if (this.placement[partition] !== nodeId || r.have[partition]) continue;
      r.have[partition] = true;
      r.partials[partition] = value;
      this.ports.paid(round, partition, nodeId);
      this.spent += this.price;
      if (r.stream) this.emit({ type: "partial", round, partition, value });
    }
    if (!r.have.every(Boolean)) return;
    this.current = null;
    this.rounds = round;
    this.arm(this.spec.idleTimeoutMs, "idle");
    this.emit({ type: "round", round, partials: r.partials, ms: Math.round((performance.now() - r.started) * 1000) / 1000 });
  }

  onNodeError(nodeId: string, message: string): void {
    if (this.placement.includes(nodeId)) this.finish("failed", message);
  }

  /** A node holding partitions left: set them up on other nodes and retry what they owed. */
  nodeLost(nodeId: string): void {
    if (this.final) return;
    const lost = this.placement.flatMap((n, p) => (n === nodeId ? [p] : []));
    if (lost.length > 0) this.place(lost, new Set([nodeId]), true);
  }

  end(reason: string): void {
    this.finish("ended", reason);
  }

  private place(partitions: number[], exclude: Set<string>, replacing = false): void {
    const nodes = this.ports.pickNodes(partitions.length, exclude);
    if (nodes.length === 0) {
      this.finish("failed", `no node that runs Python sessions is connected to hold partition ${partitions[0]}`);
      return;
    }
    const groups = new Map<SessionNode, number[]>();
    partitions.forEach((p, i) => {
      const node = nodes[i % nodes.length]!;
      this.placement[p] = node.nodeId;
      this.unready.add(p);
      groups.set(node, [...(groups.get(node) ?? []), p]);
      if (replacing) this.emit({ type: "replaced", partition: p, nodeId: node.nodeId });
    });
    for (const [node, ps] of groups) {
      node.send({ type: "session_open", sessionId: this.id, program: this.spec.program, timeoutMs: this.spec.timeoutMs, partitions: ps.map((p) => ({ partition: p, items: this.parts[p]! })) });
    }
  }

  /**
   * Sends the round for partitions that owe it and are set up (of `only`,
   * when given). A partition still being set up gets it once ready: a step
   * must never run twice on one partition's state.
   */
  private sendRound(r: Round, only: Set<number> | null): void {
    const owing = new Map<string, number[]>();
    r.have.forEach((had, p) => {
      if (had || this.unready.has(p) || (only && !only.has(p))) return;
      owing.set(this.placement[p]!, [...(owing.get(this.placement[p]!) ?? []), p]);
    });
    for (const [nodeId, ps] of owing) {
      this.ports.node(nodeId)?.send({ type: "session_round", sessionId: this.id, round: r.round, params: r.params, partitions: ps });
    }
  }

  private finish(state: "ended" | "failed", reason: string): void {
    if (this.final) return;
    this.state = state;
    if (state === "failed") this.error = reason;
    this.disarm();
    this.current = null;
    for (const nodeId of new Set(this.placement)) this.ports.node(nodeId)?.send({ type: "session_close", sessionId: this.id });
    this.emit({ type: "ended", state, reason });
    this.ports.ended(this);
  }

  private arm(ms: number, what: string): void {
    this.disarm();
    this.timer = setTimeout(() => this.finish(what === "idle" ? "ended" : "failed", what === "idle" ? `idle for ${ms} ms` : `${what} took longer than ${ms} ms`), ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private emit(event: SessionEvent): void {
    for (const send of this.clients) send(event);
  }
}
