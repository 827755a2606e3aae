import { errorMessage, NODE_PROTOCOL_VERSION, type NodeMessage, type SandboxLevel } from "@medusa/core";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import type { ChunkRunner } from "./chunk-runner.ts";
import { parseGatewayFrame } from "./frames.ts";
import { encodeNodeMessage } from "./outbound.ts";
import { SessionHost } from "./session-host.ts";
import { WorkQueue } from "./work-queue.ts";
import { ItemFetch } from "./item-fetch.ts";
import { GatewayList } from "./gateway-list.ts";
import { updateNotice } from "../update-notice.ts";

export type { ChunkOutcome, ChunkRunner } from "./chunk-runner.ts";

export interface AgentOptions {
  /** The gateways, http(s)://host or ws(s)://host/v1/nodes/ws: one, several, or a list shared with the package cache. */
  url: string | string[] | GatewayList;
  token: string;
  slots: number;
  pool: ChunkRunner;
  version: string;
  /** What the runner's sandbox can enforce on this machine; reported in hello. Default "process". */
  sandbox?: SandboxLevel;
  /** Start paused: connect, but ask for nothing until resume(). */
  paused?: boolean;
  /** Resolves once the runners can take work; until then the node connects but says it is not ready and asks for nothing. */
  ready?: Promise<void>;
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
  /** False while no runner has started yet (a slow start is retried in the background). */
  ready: boolean;
  slots: number;
  sandbox: SandboxLevel;
  version: string;
  /** The version the gateway offers for download (its welcome says), once connected. */
  offeredVersion: string | null;
}

/**
 * The volunteer node's side of `/v1/nodes/ws`: the connection. It dials out
 * (no inbound port), says hello, hands chunk frames to the work queue
 * (work-queue.ts, which asks for them with `want` credits and reports their
 * results) and session frames to the session host, and reconnects with
 * backoff and jitter when the socket closes, to the next of its gateways
 * (gateway-list.ts). Each connection has its own epoch, so nothing started
 * under an older one is reported on a newer one.
 */
export class NodeAgent {
  readonly #opts: Required<Omit<AgentOptions, "backoff" | "paused" | "tinyChunkMs" | "slots" | "ready" | "url">>;
  readonly #gateways: GatewayList;
  readonly #backoff: Backoff;
  readonly #queue: WorkQueue;
  readonly #sessions: SessionHost;
  #ws: WebSocket | null = null;
  #open = false;
  /** Bumped per connection: a chunk started under an older one has lost its lease. */
  #epoch = 0;
  #nodeId: string | null = null;
  #offeredVersion: string | null = null;
  #stopping = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped: Promise<void> | null = null;

  constructor(opts: AgentOptions) {
    const { paused, tinyChunkMs, slots, ready, backoff: _, url, ...rest } = opts;
    this.#gateways = url instanceof GatewayList ? url : new GatewayList(url);
    this.#opts = {
      ...rest,
      sandbox: opts.sandbox ?? "process",
      runtimes: opts.runtimes ?? ["python", "wasi"],
      graceMs: opts.graceMs ?? 30_000,
      log: opts.log ?? ((line) => console.log(line)),
    };
    const link = { send: (msg: NodeMessage) => this.#send(msg), isOpen: () => this.#open, epoch: () => this.#epoch, handBack: () => this.#reconnectNow(), log: this.#opts.log };
    const itemFetch = new ItemFetch({ gatewayUrl: () => this.#gateways.httpUrl, token: opts.token });
    this.#queue = new WorkQueue(opts.pool, link, { slots, paused, tinyChunkMs, itemFetch });
    if (ready) this.#queue.readyWhen(ready);
    this.#backoff = new Backoff(opts.backoff);
    this.#sessions = new SessionHost(opts.pool, (msg) => this.#send(msg), this.#opts.log);
  }

  status(): AgentStatus {
    return {
      connected: this.#open,
      nodeId: this.#nodeId,
      ...this.#queue.counts(),
      stopping: this.#stopping,
      paused: this.#queue.paused,
      ready: this.#queue.ready,
      slots: this.#queue.slots,
      sandbox: this.#opts.sandbox,
      version: this.#opts.version,
      offeredVersion: this.#offeredVersion,
    };
  }

  /** Starts no new chunk and asks for none; running chunks finish and report. */
  pause(): void {
    if (this.#queue.paused) return;
    this.#opts.log("[node] paused: taking no new chunks");
    this.#queue.pause();
  }

  resume(): void {
    if (!this.#queue.paused) return;
    this.#opts.log("[node] resumed");
    this.#queue.resume();
  }

  /** Chunks run at once from now on; running chunks over a lowered cap finish first. */
  setSlots(slots: number): void {
    if (!this.#queue.setSlots(slots)) return;
    this.#opts.log(`[node] slots set to ${slots}`);
    this.#sendHello();
    this.#queue.pump();
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
    const { running, finished } = this.#queue.stop();
    if (running > 0) {
      this.#opts.log(`[node] stopping: waiting up to ${graceMs} ms for ${running} running chunk(s)`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([finished, grace]);
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
    const ws = new WebSocket(this.#gateways.socketUrl, { headers: { Authorization: `Bearer ${this.#opts.token}` } });
    this.#ws = ws;
    ws.onopen = () => {
      if (epoch !== this.#epoch) return;
      this.#open = true;
      this.#backoff.opened();
      this.#sendHello();
      this.#queue.connected();
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
    this.#send({ v: NODE_PROTOCOL_VERSION, type: "hello", slots: this.#queue.slots, sandbox, runtimes, version });
  }

  /** A new connection at once; the old socket's events are ignored from here on (new epoch). */
  #reconnectNow(): void {
    const ws = this.#ws;
    this.#open = false;
    this.#connect();
    ws?.close(1000, "node paused");
  }

  #disconnected(code: number, reason: string): void {
    const wasOpen = this.#open;
    this.#ws = null;
    this.#open = false;
    this.#epoch++;
    const dropped = this.#queue.connectionLost();
    this.#sessions.dropAll();
    if (this.#stopping) return;
    const delay = this.#backoff.next();
    const why = `${code}${reason ? ` ${reason}` : ""}`;
    const lost = dropped > 0 ? `, dropped ${dropped} queued chunk(s)` : "";
    const from = this.#gateways.httpUrl;
    this.#gateways.next();
    const to = this.#gateways.httpUrl === from ? "" : ` at ${this.#gateways.httpUrl}`;
    this.#opts.log(`[node] ${wasOpen ? "disconnected from" : "could not connect to"} ${from} (${why})${lost}; retrying${to} in ${delay} ms`);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (!this.#stopping) this.#connect();
    }, delay);
  }

  /** One frame; whatever goes wrong handling it is logged, and the connection and the node carry on. */
  #receive(data: unknown): void {
    try {
      this.#handle(data);
    } catch (err) {
      this.#opts.log(`[node] a gateway frame could not be handled: ${errorMessage(err)}`);
    }
  }

  #handle(data: unknown): void {
    const frame = parseGatewayFrame(data);
    if ("ignored" in frame) return this.#opts.log(`[node] ignored ${frame.ignored}`);
    const msg = frame.message;
    switch (msg.type) {
      case "welcome": {
        this.#nodeId = msg.nodeId;
        this.#opts.log(`[node] connected as ${msg.nodeId}`);
        this.#offeredVersion = msg.nodeVersion ?? null;
        if (msg.maxChunks) this.#queue.holdAtMost(msg.maxChunks);
        if (msg.gateways) this.#gateways.learn(msg.gateways);
        const notice = updateNotice(this.#opts.version, this.#offeredVersion);
        if (notice) this.#opts.log(notice);
        break;
      }
      case "job":
        this.#queue.job(msg);
        break;
      case "chunk":
        this.#queue.chunk(msg.chunk);
        break;
      case "cancel":
        this.#queue.cancel(msg.jobId);
        break;
      case "error":
        this.#opts.log(`[node] gateway error ${msg.code}: ${msg.message}`);
        if (msg.refused) this.#queue.refused(msg.refused);
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

  #send(msg: NodeMessage): boolean {
    if (!this.#ws || !this.#open) return false;
    const { text, refused } = encodeNodeMessage(msg);
    if (refused) this.#opts.log(`[node] ${msg.type} not sent: ${refused}${text ? "; reported as the error instead" : ""}`);
    if (text === undefined) return false;
    this.#ws.send(text);
    return true;
  }
}
