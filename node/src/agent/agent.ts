import {
  NODE_PROTOCOL_VERSION,
  type ChunkError,
  type NodeChunk,
  type NodeMessage,
  type RunnableProgram,
  type SandboxLevel,
} from "@medusa/core";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { ChunkPace, splitResults } from "./batching.ts";
import { parseGatewayFrame } from "./frames.ts";
import { checkSlots, forgetOldest } from "./remembered.ts";
import { SessionHost } from "./session-host.ts";
import { updateNotice } from "../update-notice.ts";

/**
 * The volunteer node's side of `/v1/nodes/ws`. It dials out (no inbound
 * port), says hello, and asks for work with `want` credits: it holds at most
 * `slots` running plus `slots` prefetched, so a slot never waits on a round
 * trip, and never asks for more than it can hold. Results go back at once.
 *
 * `want {n}` is additive: it grants the gateway n more chunks. The gateway
 * forgets all credit and takes back every chunk this node held when the
 * socket closes, so the node drops its queue then and discards results of
 * chunks that were running (their leases are gone).
 *
 * Pausing and the slot count are live. A paused agent starts nothing and asks
 * for nothing; once its running chunks have reported, if it still holds
 * queued chunks or unanswered credit it reconnects, which is the protocol's
 * one way to hand both back without counting a failed attempt.
 */

import type { ChunkOutcome, ChunkRunner } from "./chunk-runner.ts";

export type { ChunkOutcome, ChunkRunner } from "./chunk-runner.ts";

export interface AgentOptions {
  /** ws(s)://host/v1/nodes/ws */
  url: string;
  token: string;
  slots: number;
  pool: ChunkRunner;
  version: string;
  /** What the runner's sandbox can enforce on this machine; reported in hello. Default "process". */
  sandbox?: SandboxLevel;
  /** Start paused: connect, but ask for nothing until resume(). */
  paused?: boolean;
  runtimes?: string[];
  /** Chunks faster than this (ms) are fetched ahead in bulk and run several per runner call; 0 turns that off. Default 20. */
  tinyChunkMs?: number;
  /** How long stop() lets running chunks finish. */
  graceMs?: number;
  backoff?: Partial<BackoffOptions>;
  log?: (line: string) => void;
}

export interface AgentStatus {
  connected: boolean;
  nodeId: string | null;
  running: number;
  queued: number;
  chunksDone: number;
  chunksFailed: number;
  stopping: boolean;
  paused: boolean;
  slots: number;
  sandbox: SandboxLevel;
  version: string;
  /** The version the gateway offers for download (its welcome says), once connected. */
  offeredVersion: string | null;
}

interface JobSpec {
  program: RunnableProgram;
  timeoutMs: number;
  affinity?: string;
}

const MAX_ERROR_CHARS = 8192;

export class NodeAgent {
  readonly #opts: Required<Omit<AgentOptions, "backoff" | "paused" | "tinyChunkMs">>;
  readonly #backoff: Backoff;
  #ws: WebSocket | null = null;
  #open = false;
  /** Bumped per connection: a chunk started under an older one has lost its lease. */
  #epoch = 0;
  #nodeId: string | null = null;
  #offeredVersion: string | null = null;
  #jobs = new Map<string, JobSpec>();
  #cancelled = new Set<string>();
  #queue: NodeChunk[] = [];
  #running = new Set<Promise<void>>();
  /** Chunks asked for on this connection and not yet received. */
  #credit = 0;
  #chunksDone = 0;
  #chunksFailed = 0;
  #stopping = false;
  #paused: boolean;
  #slots: number;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped: Promise<void> | null = null;
  readonly #sessions: SessionHost;
  readonly #pace: ChunkPace;

  constructor(opts: AgentOptions) {
    checkSlots(opts.slots);
    const { paused, tinyChunkMs: _, ...rest } = opts;
    this.#paused = paused ?? false;
    this.#slots = opts.slots;
    this.#opts = {
      ...rest,
      sandbox: opts.sandbox ?? "process",
      runtimes: opts.runtimes ?? ["python", "wasi"],
      graceMs: opts.graceMs ?? 30_000,
      log: opts.log ?? ((line) => console.log(line)),
    };
    this.#backoff = new Backoff(opts.backoff);
    this.#pace = new ChunkPace(opts.tinyChunkMs);
    this.#sessions = new SessionHost(opts.pool, (msg) => this.#send(msg), this.#opts.log);
  }

  status(): AgentStatus {
    return {
      connected: this.#open,
      nodeId: this.#nodeId,
      running: this.#running.size,
      queued: this.#queue.length,
      chunksDone: this.#chunksDone,
      chunksFailed: this.#chunksFailed,
      stopping: this.#stopping,
      paused: this.#paused,
      slots: this.#slots,
      sandbox: this.#opts.sandbox,
      version: this.#opts.version,
      offeredVersion: this.#offeredVersion,
    };
  }

  /** Starts no new chunk and asks for none; running chunks finish and report. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#opts.log("[node] paused: taking no new chunks");
    this.#handBackIfIdle();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#opts.log("[node] resumed");
    this.#pump();
  }

  /** Chunks run at once from now on; running chunks over a lowered cap finish first. */
  setSlots(slots: number): void {
    checkSlots(slots);
    if (slots === this.#slots) return;
    this.#slots = slots;
    this.#opts.log(`[node] slots set to ${slots}`);
    this.#sendHello();
    this.#pump();
  }

  start(): this {
    if (!this.#ws && !this.#stopping) this.#connect();
    return this;
  }

  /** Stops asking for work, lets running chunks finish (up to the grace period) and report, then closes. */
  stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#drainAndClose(opts.graceMs ?? this.#opts.graceMs);
    return this.#stopped;
  }

  async #drainAndClose(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#queue = [];
    if (this.#running.size > 0) {
      this.#opts.log(`[node] stopping: waiting up to ${graceMs} ms for ${this.#running.size} running chunk(s)`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all(this.#running), grace]);
      clearTimeout(timer);
    }
    const ws = this.#ws;
    this.#ws = null;
    this.#open = false;
    ws?.close(1000, "node stopping");
    await this.#opts.pool.close();
    this.#opts.log("[node] stopped");
  }

  #connect(): void {
    const epoch = ++this.#epoch;
    const ws = new WebSocket(this.#opts.url, { headers: { Authorization: `Bearer ${this.#opts.token}` } });
    this.#ws = ws;
    ws.onopen = () => {
      if (epoch !== this.#epoch) return;
      this.#open = true;
      this.#credit = 0;
      this.#backoff.opened();
      this.#sendHello();
      this.#topUp();
    };
    ws.onmessage = (ev) => {
      if (epoch === this.#epoch) this.#receive(ev.data);
    };
    ws.onclose = (ev) => {
      if (epoch === this.#epoch) this.#disconnected(ev.code, ev.reason);
    };
    // A failed dial fires error then close; close does the work.
    ws.onerror = () => {};
  }

  #sendHello(): void {
    const { sandbox, runtimes, version } = this.#opts;
    this.#send({ v: NODE_PROTOCOL_VERSION, type: "hello", slots: this.#slots, sandbox, runtimes, version });
  }

  /**
   * While paused, once nothing runs: if the gateway could still send chunks
   * (credit outstanding) or some sit queued, reconnect at once so it takes
   * them back. The old socket's events are ignored from here on (new epoch).
   */
  #handBackIfIdle(): void {
    if (!this.#paused || this.#stopping || !this.#open || this.#running.size > 0) return;
    if (this.#queue.length === 0 && this.#credit === 0) return;
    this.#opts.log(`[node] paused: handing back ${this.#queue.length} queued chunk(s) and ${this.#credit} unanswered request(s) by reconnecting`);
    const ws = this.#ws;
    this.#open = false;
    this.#queue = [];
    this.#credit = 0;
    this.#connect();
    ws?.close(1000, "node paused");
  }

  #disconnected(code: number, reason: string): void {
    const wasOpen = this.#open;
    this.#ws = null;
    this.#open = false;
    this.#credit = 0;
    this.#epoch++;
    const dropped = this.#queue.length;
    this.#queue = [];
    this.#sessions.dropAll();
    if (this.#stopping) return;
    const delay = this.#backoff.next();
    const why = `${code}${reason ? ` ${reason}` : ""}`;
    const lost = dropped > 0 ? `, dropped ${dropped} queued chunk(s)` : "";
    this.#opts.log(`[node] ${wasOpen ? "disconnected" : "could not connect"} (${why})${lost}; retrying in ${delay} ms`);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (!this.#stopping) this.#connect();
    }, delay);
  }

  #receive(data: unknown): void {
    const frame = parseGatewayFrame(data);
    if ("ignored" in frame) return this.#opts.log(`[node] ignored ${frame.ignored}`);
    const msg = frame.message;
    switch (msg.type) {
      case "welcome": {
        this.#nodeId = msg.nodeId;
        this.#opts.log(`[node] connected as ${msg.nodeId}`);
        this.#offeredVersion = msg.nodeVersion ?? null;
        const notice = updateNotice(this.#opts.version, this.#offeredVersion);
        if (notice) this.#opts.log(notice);
        break;
      }
      case "job":
        this.#cancelled.delete(msg.jobId);
        this.#jobs.delete(msg.jobId);
        this.#jobs.set(msg.jobId, { program: msg.program, timeoutMs: msg.timeoutMs, ...(msg.affinity ? { affinity: msg.affinity } : {}) });
        forgetOldest(this.#jobs);
        break;
      case "chunk":
        this.#credit = Math.max(0, this.#credit - 1);
        if (this.#stopping) return;
        this.#queue.push(msg.chunk);
        this.#pump();
        break;
      case "cancel":
        this.#cancel(msg.jobId);
        break;
      case "error":
        this.#opts.log(`[node] gateway error ${msg.code}: ${msg.message}`);
        break;
      case "session_open":
        this.#sessions.open(msg);
        break;
      case "session_round":
        this.#sessions.round(msg);
        break;
      case "session_close":
        this.#sessions.close(msg.sessionId);
        break;
    }
  }

  #cancel(jobId: string): void {
    this.#opts.pool.dropJob(jobId);
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((c) => c.jobId !== jobId);
    this.#jobs.delete(jobId);
    this.#cancelled.add(jobId);
    forgetOldest(this.#cancelled);
    this.#opts.log(`[node] job ${jobId} cancelled; dropped ${before - this.#queue.length} queued chunk(s)`);
    this.#topUp();
  }

  /** Asks for exactly what brings held (running + queued + asked for) up to the window: 2 × slots, more while chunks are tiny. */
  #topUp(): void {
    if (!this.#open || this.#stopping || this.#paused) return;
    const n = this.#pace.windowPerSlot() * this.#slots - (this.#running.size + this.#queue.length + this.#credit);
    if (n <= 0) return;
    this.#credit += n;
    this.#send({ v: NODE_PROTOCOL_VERSION, type: "want", n });
  }

  #pump(): void {
    while (!this.#stopping && !this.#paused && this.#running.size < this.#slots && this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      const job = this.#jobs.get(chunk.jobId);
      if (!job) {
        this.#report(chunk, { ok: false, error: { message: `node has no program for job ${chunk.jobId}` } }, this.#epoch);
        continue;
      }
      const batch = this.#pace.takeBatch(chunk, this.#queue, job.timeoutMs);
      const run = (batch.length > 1 ? this.#runBatch(batch, job) : this.#run(chunk, job)).finally(() => {
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
    this.#topUp();
    this.#handBackIfIdle();
  }

  /**
   * Several tiny chunks of one job in one runner call. If the call fails, each
   * chunk runs again alone, so an error is reported for the chunk it belongs to.
   */
  async #runBatch(batch: NodeChunk[], job: JobSpec): Promise<void> {
    const epoch = this.#epoch;
    const started = performance.now();
    const outcome = await this.#call(batch[0]!.jobId, job, "map", batch.flatMap((c) => c.items));
    const split = outcome.ok ? splitResults(batch, outcome.results) : null;
    if (!split) {
      for (const c of batch) await this.#run(c, job);
      return;
    }
    this.#pace.record(batch[0]!.jobId, batch.length, performance.now() - started);
    batch.forEach((c, i) => {
      this.#chunksDone++;
      if (!this.#cancelled.has(c.jobId)) this.#report(c, { ok: true, results: split[i] }, epoch);
    });
  }

  async #call(jobId: string, job: JobSpec, task: NodeChunk["task"], items: unknown[]): Promise<ChunkOutcome> {
    try {
      return await this.#opts.pool.run({ jobId, ...job }, { task, items });
    } catch (err) {
      return { ok: false, error: { message: `runner failed: ${err instanceof Error ? err.message : String(err)}` } };
    }
  }

  async #run(chunk: NodeChunk, job: JobSpec): Promise<void> {
    const epoch = this.#epoch;
    const started = performance.now();
    const outcome = await this.#call(chunk.jobId, job, chunk.task, chunk.items);
    if (outcome.ok) this.#pace.record(chunk.jobId, 1, performance.now() - started);
    const ms = Math.round(performance.now() - started);
    if (outcome.ok) this.#chunksDone++;
    else this.#chunksFailed++;
    const name = `${chunk.jobId}#${chunk.index}`;
    if (this.#cancelled.has(chunk.jobId)) {
      this.#opts.log(`[node] chunk ${name} finished after its job was cancelled; not reported`);
    } else if (!this.#report(chunk, outcome, epoch)) {
      this.#opts.log(`[node] chunk ${name} finished in ${ms} ms but its connection is gone; result discarded`);
    } else if (outcome.ok) {
      this.#opts.log(`[node] chunk ${name} done in ${ms} ms`);
    } else {
      this.#opts.log(`[node] chunk ${name} failed in ${ms} ms: ${outcome.error.message.split("\n")[0]}`);
    }
  }

  /** Sends a chunk's outcome if the connection that leased it is still up. */
  #report(chunk: NodeChunk, outcome: ChunkOutcome, epoch: number): boolean {
    if (epoch !== this.#epoch || !this.#open) return false;
    const { jobId, index, token } = chunk;
    if (outcome.ok) return this.#send({ v: NODE_PROTOCOL_VERSION, type: "result", jobId, index, token, results: outcome.results });
    const error: ChunkError = { message: outcome.error.message.slice(0, MAX_ERROR_CHARS) };
    const itemIndex = outcome.error.itemIndex;
    if (Number.isInteger(itemIndex) && itemIndex! >= 0) error.itemIndex = itemIndex;
    return this.#send({ v: NODE_PROTOCOL_VERSION, type: "error", jobId, index, token, error });
  }

  #send(msg: NodeMessage): boolean {
    if (!this.#ws || !this.#open) return false;
    this.#ws.send(JSON.stringify(msg));
    return true;
  }
}
