import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  call,
  ChunkRef,
  errorFields,
  foreignVersion,
  invalidFields,
  isBinaryChunk,
  limits,
  newRequestId,
  NODE_PROTOCOL_VERSION,
  NodeMessage,
  publicError,
  subjects,
  tooDeepMessage,
  valueNestsDeeper,
  type ChunkLease,
  type GatewayMessageBody,
  type LeaseHolder,
  type SandboxLevel,
} from "@medusa/core";
import type { Log } from "../http/types.ts";
import { chunkKey, parseChunkKey } from "./chunk-key.ts";
import type { HubServices } from "./hub-services.ts";
import { ResultBatch, type ResultReply } from "./result-batch.ts";
import { resultText, tooLargeForBus } from "./result-limits.ts";

/** What a node connection needs from its WebSocket. */
export interface NodeSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** Jobs remembered per connection as "program already sent"; forgetting one only costs a resend. */
const MAX_JOBS_REMEMBERED = 1_000;

/**
 * One node's socket. The node's `want` adds to its demand, up to what its
 * declared slots can run (`cap`: chunks asked for plus chunks sent and not
 * reported); more is refused with an error frame. A pump leases that many chunks and sends each with its items resolved, preceded by the
 * job's program the first time this connection sees the job. When the
 * scheduler has nothing, the connection stays hungry until the hub wakes it.
 */
export class NodeConnection {
  readonly since = Date.now();
  readonly connection = randomUUID(); // this socket, in the shared presence
  chunksDone = 0;
  sandbox: SandboxLevel | undefined;
  slots: number | undefined;
  runtimes: string[] = [];
  hungry = false;
  closed = false;

  private demand = 0;
  private pumping = false;
  private again = false;
  private readonly jobsSent = new Set<string>();
  private readonly results: ResultBatch;
  /**
   * Chunks sent and not yet reported, by `jobId#index`: what shape of result
   * each must have, and for a chunk of files their names, which key its
   * results (the gateway names them, never the node); and the lease token,
   * which the hub renews the lease with while the chunk is here.
   */
  private readonly inFlight = new Map<string, { task: "map" | "reduce"; items: number; token: string; names?: string[] }>();

  constructor(
    readonly nodeId: string,
    readonly ownerId: string,
    private readonly socket: NodeSocket,
    private readonly hub: HubServices,
    private readonly ready: Promise<void>, // settles once this node's older leases are put back
    readonly origin = "unknown", // the network it connects from (its /24 or /64)
  ) {
    this.results = new ResultBatch(hub.bus, nodeId);
  }

  private get log(): Log { return this.hub.log; }

  get outstanding(): number {
    return this.demand;
  }

  /** The most chunks this node may hold: what its declared slots run and fetch ahead, under the server's cap. */
  get cap(): number {
    return Math.min((this.slots ?? 1) * limits.nodeChunksPerSlot, this.hub.maxNodeChunks);
  }

  send(message: GatewayMessageBody): void {
    if (this.closed) return;
    this.socket.send(JSON.stringify({ v: NODE_PROTOCOL_VERSION, ...message }));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }

  /** A frame from the node. A bad one, or one of another protocol version, gets an `error` frame back and is not acted on; the socket stays open. */
  async receive(data: string | ArrayBuffer): Promise<void> {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.send({ type: "error", code: "bad_request", message: "frame is not valid JSON" });
    }
    // Before anything walks it: a value this deep would overflow the stack of whatever recursed over it.
    if (valueNestsDeeper(raw, limits.jsonDepth + FRAME_LEVELS)) return this.refuseDeep(raw);
    const foreign = foreignVersion(raw, "gateway");
    if (foreign) return this.send({ type: "error", code: "unsupported", message: foreign });
    const parsed = NodeMessage.safeParse(raw);
    if (!parsed.success) {
      const err = invalidFields(parsed.error, "message");
      return this.send({ type: "error", code: err.code, message: err.message });
    }
    const message = parsed.data;
    try {
      switch (message.type) {
        case "hello":
          this.sandbox = message.sandbox;
          this.slots = message.slots;
          this.runtimes = message.runtimes;
          return;
        case "want":
          return this.want(message.n);
        case "result":
          return await this.complete(message);
        case "error":
          return await this.fail(message, message.error);
        case "session_ready":
        case "session_partials":
        case "session_error":
          return this.hub.sessionMessage(this.nodeId, message);
      }
    } catch (err) {
      // A node is a stranger: it hears what it got wrong, never what broke inside.
      const requestId = newRequestId();
      const sealed = publicError(err, requestId);
      this.log[sealed === err ? "warn" : "error"]("a node's message failed", { nodeId: this.nodeId, type: message.type, requestId, ...errorFields(err) });
      this.send({ type: "error", code: sealed.code, message: `${message.type}: ${sealed.message}` });
    }
  }

  /** A frame too deep to read: an error frame, and if it claims to be a chunk's result, that chunk's attempt fails. */
  private async refuseDeep(raw: unknown): Promise<void> {
    const message = tooDeepMessage("result");
    this.send({ type: "error", code: "invalid_field", message: `frame: ${message}` });
    const ref = ChunkRef.extend({ type: z.literal("result"), token: z.string() }).safeParse(raw);
    if (ref.success) await this.fail(ref.data, { message });
  }

  /** Leases up to the outstanding demand; one pump runs at a time, later triggers make it go round again. */
  async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      await this.ready;
      do {
        this.again = false;
        await this.leaseWhileWanted();
      } while (this.again && !this.closed && this.demand > 0);
    } finally {
      this.pumping = false;
    }
  }

  /** The leases of the chunks this node holds (sent, not yet reported): what the hub renews. */
  heldLeases(): LeaseHolder[] {
    if (this.closed) return [];
    return [...this.inFlight].map(([key, { token }]) => ({ ...parseChunkKey(key), token, nodeId: this.nodeId }));
  }

  /** The scheduler stopped a job: tell the node to drop its chunks, if it ever got any (it reports none of them). */
  cancelJob(jobId: string): void {
    if (!this.jobsSent.delete(jobId)) return;
    for (const key of this.inFlight.keys()) if (key.startsWith(`${jobId}#`)) this.inFlight.delete(key);
    this.send({ type: "cancel", jobId });
  }

  /** Credit for `n` more chunks, as far as the cap leaves room: a hoarder gets an error frame, not the chunks. */
  private want(n: number): Promise<void> {
    const held = this.demand + this.inFlight.size;
    const room = Math.max(0, this.cap - held);
    this.demand += Math.min(n, room);
    if (n > room) {
      const slots = this.slots ?? 1;
      this.log.warn("a node asked for more chunks than its slots can run", { nodeId: this.nodeId, slots, held, asked: n });
      this.send({ type: "error", code: "rate_limited", message: `want: a node with ${slots} slot(s) holds at most ${this.cap} chunks; it holds or asked for ${held}, so ${n - room} of ${n} were refused`, refused: n - room });
    }
    if (!this.hungry) return this.pump();
    // The queue had no more for this node: lease after this turn's results have gone (ResultBatch sends them on setImmediate); an empty lease must not hold up a job's end.
    return new Promise((resolve) => setImmediate(() => resolve(this.pump())));
  }

  /**
   * Leases until the demand is met. A short lease (fewer than asked) got all the store had for this node now (queue, backups
   * due, lease window): asking again would come back empty, so the connection goes hungry, unless new chunks were announced
   * while the lease was out (the hub wakes only hungry connections: this one would not have heard of them).
   */
  private async leaseWhileWanted(): Promise<void> {
    while (this.demand > 0 && !this.closed) {
      const announced = this.hub.workAnnounced;
      const max = Math.min(this.demand, 1000);
      let leases: ChunkLease[];
      try {
        ({ leases } = await call(this.hub.bus, subjects.leaseChunks, { nodeId: this.nodeId, owner: this.ownerId, origin: this.origin, max, renewed: true, ...(this.sandbox ? { runtimes: this.runtimes } : {}) }));
      } catch (err) {
        this.log.warn("leasing failed; retrying on the next tick", { nodeId: this.nodeId, ...errorFields(err) });
        this.hungry = true;
        return;
      }
      this.hungry = false;
      for (const lease of leases) {
        if (!this.closed) await this.deliver(lease);
        this.demand = Math.max(0, this.demand - 1);
      }
      // Leases granted while the socket was closing would otherwise wait out their expiry.
      if (this.closed) return this.hub.releaseOrphans(this.nodeId);
      if (leases.length < max && this.hub.workAnnounced === announced) return void (this.hungry = true);
    }
  }

  private async deliver(lease: ChunkLease): Promise<void> {
    try {
      const job = await this.hub.program(lease.jobId);
      if (!this.jobsSent.has(lease.jobId)) {
        this.send({ type: "job", jobId: lease.jobId, program: job.program, timeoutMs: job.timeoutMs, affinity: job.affinity });
        this.rememberJob(lease.jobId);
      }
      const items = await this.hub.chunkItems({ jobId: lease.jobId, owner: job.owner }, lease.input);
      const names = lease.input.kind === "files" ? lease.input.files.map((f) => f.path) : undefined;
      this.inFlight.set(chunkKey(lease), { task: lease.task, items: items.length, token: lease.token, ...(names ? { names } : {}) });
      const binary = isBinaryChunk(lease.input) ? { binary: true as const } : {};
      this.send({ type: "chunk", chunk: { jobId: lease.jobId, index: lease.index, token: lease.token, task: lease.task, items, ...binary } });
    } catch (err) {
      // The chunk cannot reach the node; hand it back rather than let its lease run out.
      // The chunk's error reaches the job's owner: an internal cause is named by its request id only.
      const requestId = newRequestId();
      this.log.warn("could not prepare a chunk; handing it back", { nodeId: this.nodeId, jobId: lease.jobId, index: lease.index, requestId, ...errorFields(err) });
      const message = `gateway could not prepare the chunk: ${publicError(err, requestId).message}`;
      await this.fail(lease, { message: message.slice(0, limits.errorMessageChars) }).catch((e) => this.log.warn("failChunk failed", { nodeId: this.nodeId, ...errorFields(e) }));
    }
  }

  private rememberJob(jobId: string): void {
    if (this.jobsSent.size >= MAX_JOBS_REMEMBERED) this.jobsSent.delete(this.jobsSent.values().next().value!);
    this.jobsSent.add(jobId);
  }

  private async complete(message: { jobId: string; index: number; token: string; results: unknown }): Promise<void> {
    const sent = this.inFlight.get(chunkKey(message));
    this.inFlight.delete(chunkKey(message));
    // A reduce returns one value; a map returns one result per item it was given.
    if (sent?.task === "map" && !(Array.isArray(message.results) && message.results.length === sent.items)) {
      this.send({ type: "error", code: "invalid_field", message: `results: must be an array with one result per item (${sent.items})` });
      return this.fail(message, { message: `the node returned ${Array.isArray(message.results) ? message.results.length : "no array of"} results for ${sent.items} items` });
    }
    const { jobId, index, token } = message;
    // A files job's results are keyed by file name: `{name, result}` in name order.
    const results = sent?.names ? (message.results as unknown[]).map((result, i) => ({ name: sent.names![i], result })) : message.results;
    const text = resultText(results);
    if (typeof text !== "string") return this.refuseResult(message, text.refused);
    let reply: ResultReply;
    try {
      reply = await this.results.add({ jobId, index, token, results: text });
    } catch (err) {
      if (!tooLargeForBus(err)) throw err;
      return this.refuseResult(message, "result is over the largest message this deployment's bus carries");
    }
    if ("refused" in reply) return this.refuseResult(message, reply.refused);
    const { outcome } = reply;
    // A pending result waits for its replicas to agree; it is work done either way.
    if (outcome === "accepted" || outcome === "pending") this.chunksDone += 1;
    else this.log.info("a node's result was not counted", { nodeId: this.nodeId, jobId, index, outcome });
  }

  /** A result over a limit: the node hears why, and the chunk's attempt fails with the limit named. */
  private async refuseResult(ref: { jobId: string; index: number; token: string }, message: string): Promise<void> {
    this.send({ type: "error", code: "invalid_field", message: `results: ${message}` });
    await this.fail(ref, { message });
  }

  private async fail(ref: { jobId: string; index: number; token: string }, error: { message: string; itemIndex?: number }): Promise<void> {
    const { jobId, index, token } = ref;
    this.inFlight.delete(chunkKey(ref));
    const { outcome } = await call(this.hub.bus, subjects.failChunk, { jobId, index, token, nodeId: this.nodeId, error });
    if (outcome !== "accepted") this.log.info("a node's failure report was not counted", { nodeId: this.nodeId, jobId, index, outcome });
  }
}

/** How much deeper than a result a frame may nest: the frame itself, and a session's partials around their values. */
const FRAME_LEVELS = 3;
