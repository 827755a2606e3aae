import type { GatewayMessageBody, PinnedPythonProgram, SessionEvent, SessionHolder, SessionRoundResult, SessionSpec, SessionState, SessionStatus, SessionWrite } from "@medusa/core";

/** A session's spec with its packages pinned into the program its nodes get. */
export type HostedSessionSpec = Omit<SessionSpec, "program"> & { program: PinnedPythonProgram };

/** A node that can hold partitions, as the session sees it. */
export interface SessionNode extends SessionHolder {
  send(message: GatewayMessageBody): void;
}

export interface SessionPorts {
  /** Up to `count` nodes able to run Python sessions, spreading load, none of `exclude`. */
  pickNodes(count: number, exclude: Set<string>): SessionNode[];
  /** Sends to the node holding partitions, on whichever gateway its socket is. */
  send(holder: SessionHolder, message: GatewayMessageBody): void;
  /** Which nodes hold which partitions changed (`ready`: and every one is set up): record it. */
  placed(placement: Array<SessionHolder | null>, ready?: boolean): void;
  /** Every partition answered: record the round (and its payouts) before anyone hears of it. */
  completed(result: SessionRoundResult, holders: string[]): Promise<SessionWrite>;
  /** The session reached a final state: settle its escrow. */
  ended(session: Session): void;
  /** Another gateway hosts the session now: forget it here without ending it. */
  lost(session: Session): void;
}

/** Where a session taken over from another gateway stood. */
export interface SessionRestore {
  state: SessionState;
  rounds: number;
  spent: number;
  createdAt: number;
  /** Holders still set up with their partitions (null: to place again). */
  placement: Array<SessionHolder | null>;
  /** Idle time left before the session ends. */
  idleMs: number;
}

interface Round {
  round: number;
  params: unknown;
  stream: boolean;
  started: number;
  partials: unknown[];
  have: boolean[];
  /** Every partition answered; the round is being recorded. */
  recording?: boolean;
}

/**
 * One session's placement and rounds. A round is sent to every node holding
 * partitions and completes when each partition answered once: a partial
 * from a node that no longer holds the partition, or a second one, is
 * ignored, so a round is never answered twice even across replacements.
 * A round is paid and announced only once the store took it: a host that
 * dies first loses the round, never a credit, and the next host runs it.
 */
export class Session {
  state: SessionState = "starting";
  rounds = 0;
  spent = 0;
  error: string | undefined;
  /** Why it ended or failed, once it has. */
  reason = "";
  createdAt = Date.now();
  readonly clients = new Set<(event: SessionEvent) => void>();

  private readonly placement: Array<SessionHolder | null>;
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
    this.placement = parts.map(() => null);
  }

  /** Places every partition; fails at once when no node can hold them. */
  start(): void {
    this.place(this.parts.map((_, p) => p), new Set());
    this.arm(this.spec.timeoutMs, "setup");
  }

  /** Takes over where another host stopped: partitions whose node is gone are placed again. */
  resume(from: SessionRestore): void {
    Object.assign(this, { state: from.state, rounds: from.rounds, spent: from.spent, createdAt: from.createdAt });
    // A session still setting up cannot tell which partitions got as far as ready: all of them start again.
    from.placement.forEach((h, p) => (this.placement[p] = from.state === "starting" ? null : h));
    const missing = this.placement.flatMap((h, p) => (h ? [] : [p]));
    if (missing.length > 0) this.place(missing, new Set(), this.state === "ready");
    if (this.final) return;
    if (this.state === "starting") this.arm(this.spec.timeoutMs, "setup");
    else this.arm(Math.max(0, from.idleMs), "idle");
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
    const mine = partitions.filter((p) => this.placement[p]?.nodeId === nodeId && this.unready.delete(p));
    if (this.final) return;
    // Partitions set up again mid-round catch up on the round in flight.
    if (this.current && mine.length > 0) this.sendRound(this.current, new Set(mine));
    if (this.state === "starting" && this.unready.size === 0) {
      this.state = "ready";
      this.ports.placed([...this.placement], true);
      this.arm(this.spec.idleTimeoutMs, "idle");
      this.emit({ type: "ready", partitions: this.parts.length, rounds: this.rounds });
    }
  }

  onPartials(nodeId: string, round: number, partials: Array<{ partition: number; value: unknown }>): void {
    const r = this.current;
    if (!r || r.round !== round || this.final || r.recording) return;
    const holders: string[] = [];
    for (const { partition, value } of partials) {
      if (this.placement[partition]?.nodeId !== nodeId || r.have[partition]) continue;
      r.have[partition] = true;
      r.partials[partition] = value;
      if (r.stream) this.emit({ type: "partial", round, partition, value });
    }
    if (!r.have.every(Boolean)) return;
    r.recording = true;
    for (const h of this.placement) holders.push(h!.nodeId);
    const result = { round, partials: r.partials, ms: Math.round((performance.now() - r.started) * 1000) / 1000 };
    void this.ports.completed(result, holders).then((write) => this.recorded(r, result, write));
  }

  private recorded(r: Round, result: SessionRoundResult, write: SessionWrite): void {
    if (this.current !== r || this.final) return;
    if (write === "spent") return this.finish("ended", `the ${this.held} credits held are spent`);
    if (write === "final") return this.finish("ended", "the session was ended");
    if (write !== "ok") return this.drop();
    this.current = null;
    this.rounds = r.round;
    this.spent += this.price * this.parts.length;
    this.arm(this.spec.idleTimeoutMs, "idle");
    this.emit({ type: "round", ...result });
  }

  /** Another gateway took the session over (or ended it): stop here without touching its nodes or its escrow. */
  drop(): void {
    this.disarm();
    this.current = null;
    this.state = "ended";
    this.ports.lost(this);
  }

  /** The nodes holding partitions, for the host's liveness checks. */
  holders(): SessionHolder[] {
    return this.placement.filter((h): h is SessionHolder => h !== null);
  }

  onNodeError(nodeId: string, message: string): void {
    if (this.placement.some((h) => h?.nodeId === nodeId)) this.finish("failed", message);
  }

  /** A node holding partitions left (that socket of it, when `connection` is given): set them up on other nodes and retry what they owed. */
  nodeLost(nodeId: string, connection?: string): void {
    if (this.final) return;
    const lost = this.placement.flatMap((h, p) => (h?.nodeId === nodeId && (!connection || h.connection === connection) ? [p] : []));
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
      this.placement[p] = { nodeId: node.nodeId, connection: node.connection };
      this.unready.add(p);
      groups.set(node, [...(groups.get(node) ?? []), p]);
      if (replacing) this.emit({ type: "replaced", partition: p, nodeId: node.nodeId });
    });
    for (const [node, ps] of groups) {
      node.send({ type: "session_open", sessionId: this.id, program: this.spec.program, timeoutMs: this.spec.timeoutMs, partitions: ps.map((p) => ({ partition: p, items: this.parts[p]! })) });
    }
    this.ports.placed([...this.placement]);
  }

  /**
   * Sends the round for partitions that owe it and are set up (of `only`,
   * when given). A partition still being set up gets it once ready: a step
   * must never run twice on one partition's state.
   */
  private sendRound(r: Round, only: Set<number> | null): void {
    const owing = new Map<string, { holder: SessionHolder; ps: number[] }>();
    r.have.forEach((had, p) => {
      const holder = this.placement[p];
      if (had || !holder || this.unready.has(p) || (only && !only.has(p))) return;
      const key = `${holder.nodeId} ${holder.connection}`;
      owing.set(key, { holder, ps: [...(owing.get(key)?.ps ?? []), p] });
    });
    for (const { holder, ps } of owing.values()) {
      this.ports.send(holder, { type: "session_round", sessionId: this.id, round: r.round, params: r.params, partitions: ps });
    }
  }

  private finish(state: "ended" | "failed", reason: string): void {
    if (this.final) return;
    this.state = state;
    this.reason = reason;
    if (state === "failed") this.error = reason;
    this.disarm();
    this.current = null;
    for (const holder of uniqueHolders(this.holders())) this.ports.send(holder, { type: "session_close", sessionId: this.id });
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

const uniqueHolders = (hs: SessionHolder[]) => [...new Map(hs.map((h) => [`${h.nodeId} ${h.connection}`, h])).values()];
