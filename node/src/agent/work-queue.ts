import { errorMessage, limits, NODE_PROTOCOL_VERSION, type ChunkError, type GatewayMessage, type NodeChunk, type NodeMessage, type RunnableProgram } from "@medusa/core";
import { ChunkPace, splitResults } from "./batching.ts";
import type { ChunkOutcome, ChunkRunner } from "./chunk-runner.ts";
import type { ItemFetch } from "./item-fetch.ts";
import { checkSlots, forgetOldest } from "./remembered.ts";

/** What the queue needs from the connection it gets its chunks over. */
export interface QueueLink {
  /** Sends on the open connection; false when there is none. */
  send(msg: NodeMessage): boolean;
  isOpen(): boolean;
  /** Bumped per connection: a chunk started under an older one has lost its lease. */
  epoch(): number;
  /** Reconnects at once, so the gateway takes back what this node holds without counting a failed attempt. */
  handBack(): void;
  log(line: string): void;
}

interface JobSpec {
  program: RunnableProgram;
  timeoutMs: number;
  affinity?: string;
}

/**
 * The node's credit-based work queue. It asks for work with `want` credits:
 * it holds at most `slots` running plus `slots` prefetched (more while chunks
 * are tiny), so a slot never waits on a round trip, and never asks for more
 * than it can hold. Results go back at once, on the connection that leased
 * the chunk, or not at all.
 *
 * `want {n}` is additive: it grants the gateway n more chunks. The gateway
 * forgets all credit and takes back every chunk this node held when the
 * socket closes, so the queue is dropped then and results of chunks that were
 * running are discarded (their leases are gone).
 *
 * Pausing and the slot count are live. A paused queue starts nothing and asks
 * for nothing; once its running chunks have reported, if it still holds
 * queued chunks or unanswered credit it hands them back.
 */
export class WorkQueue {
  #jobs = new Map<string, JobSpec>();
  #cancelled = new Set<string>();
  #queue: NodeChunk[] = [];
  #running = new Set<Promise<void>>();
  /** Chunks in the running calls (a batch is one call of many chunks): what the gateway counts as held. */
  #runningChunks = 0;
  /** The gateway's cap on what one node holds (its welcome says). */
  #maxHeld = Number.POSITIVE_INFINITY;
  /** Chunks asked for on this connection and not yet received. */
  #credit = 0;
  #chunksDone = 0;
  #chunksFailed = 0;
  #stopping = false;
  /** False until the runners can take work (a warm one has started): until then nothing is asked for. */
  #ready = true;
  #paused: boolean;
  #slots: number;
  readonly #pace: ChunkPace;
  /** Where a binary chunk's item bytes come from; without it such chunks fail. */
  readonly #itemFetch: ItemFetch | undefined;

  constructor(
    private readonly pool: ChunkRunner,
    private readonly link: QueueLink,
    opts: { slots: number; paused?: boolean; tinyChunkMs?: number; itemFetch?: ItemFetch },
  ) {
    this.#itemFetch = opts.itemFetch;
    checkSlots(opts.slots);
    this.#slots = opts.slots;
    this.#paused = opts.paused ?? false;
    this.#pace = new ChunkPace(opts.tinyChunkMs);
  }

  get slots(): number {
    return this.#slots;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Asks for no work until `ready` resolves; a rejection leaves the node not ready, and says why. */
  readyWhen(ready: Promise<void>): void {
    this.#ready = false;
    ready.then(
      () => {
        this.#ready = true;
        this.link.log("[node] ready: a runner has started");
        this.#pump();
      },
      (err) => this.link.log(`[node] not ready: ${errorMessage(err)}`),
    );
  }

  counts(): { running: number; queued: number; chunksDone: number; chunksFailed: number } {
    return { running: this.#running.size, queued: this.#queue.length, chunksDone: this.#chunksDone, chunksFailed: this.#chunksFailed };
  }

  /** A connection opened: the gateway starts with no credit from us. */
  connected(): void {
    this.#credit = 0;
    this.#topUp();
  }

  /** The connection closed: the gateway took back every chunk, and the credit with them. Returns how many queued chunks were dropped. */
  connectionLost(): number {
    const dropped = this.#queue.length;
    this.#queue = [];
    this.#credit = 0;
    return dropped;
  }

  job(msg: Extract<GatewayMessage, { type: "job" }>): void {
    this.#cancelled.delete(msg.jobId);
    this.#jobs.delete(msg.jobId);
    this.#jobs.set(msg.jobId, { program: msg.program, timeoutMs: msg.timeoutMs, ...(msg.affinity ? { affinity: msg.affinity } : {}) });
    forgetOldest(this.#jobs);
  }

  chunk(chunk: NodeChunk): void {
    this.#credit = Math.max(0, this.#credit - 1);
    if (this.#stopping) return;
    this.#queue.push(chunk);
    this.#pump();
  }

  /** The gateway granted `n` fewer chunks than asked for: they will not come, so they are not waited for. */
  refused(n: number): void { this.#credit = Math.max(0, this.#credit - n); }

  cancel(jobId: string): void {
    this.pool.dropJob(jobId);
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((c) => c.jobId !== jobId);
    this.#jobs.delete(jobId);
    this.#cancelled.add(jobId);
    forgetOldest(this.#cancelled);
    this.link.log(`[node] job ${jobId} cancelled; dropped ${before - this.#queue.length} queued chunk(s)`);
    this.#topUp();
  }

  /** Starts no new chunk and asks for none; running chunks finish and report. */
  pause(): void {
    this.#paused = true;
    this.#handBackIfIdle();
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** The gateway lets this node hold no more than `max` chunks: it never asks past that. */
  holdAtMost(max: number): void { this.#maxHeld = max; }

  /** False when `slots` is what it already was. */
  setSlots(slots: number): boolean {
    checkSlots(slots);
    if (slots === this.#slots) return false;
    this.#slots = slots;
    return true;
  }

  /** Starts queued chunks up to the slots, then asks for what brings the window back up. */
  pump(): void {
    this.#pump();
  }

  /** Takes no more chunks and drops the queued ones; resolves when the running ones have finished (with their count). */
  stop(): { running: number; finished: Promise<unknown> } {
    this.#stopping = true;
    this.#queue = [];
    return { running: this.#running.size, finished: Promise.all(this.#running) };
  }

  /**
   * While paused, once nothing runs: if the gateway could still send chunks
   * (credit outstanding) or some sit queued, hand them back now.
   */
  #handBackIfIdle(): void {
    if (!this.#paused || this.#stopping || !this.link.isOpen() || this.#running.size > 0) return;
    if (this.#queue.length === 0 && this.#credit === 0) return;
    this.link.log(`[node] paused: handing back ${this.#queue.length} queued chunk(s) and ${this.#credit} unanswered request(s) by reconnecting`);
    this.#queue = [];
    this.#credit = 0;
    this.link.handBack();
  }

  /** Asks for what brings held (chunks running + queued + asked for) up to the window: 2 × slots, more while chunks are tiny, never past the gateway's cap (it refuses more, and the credit would hang). */
  #topUp(): void {
    if (!this.link.isOpen() || this.#stopping || this.#paused || !this.#ready) return;
    const window = Math.min(this.#pace.windowPerSlot() * this.#slots, this.#maxHeld);
    const n = window - (this.#runningChunks + this.#queue.length + this.#credit);
    if (n <= 0) return;
    this.#credit += n;
    this.link.send({ v: NODE_PROTOCOL_VERSION, type: "want", n });
  }

  #pump(): void {
    while (!this.#stopping && !this.#paused && this.#ready && this.#running.size < this.#slots && this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      const job = this.#jobs.get(chunk.jobId);
      if (!job) {
        this.#report(chunk, { ok: false, error: { message: `node has no program for job ${chunk.jobId}` } }, this.link.epoch());
        continue;
      }
      const batch = this.#pace.takeBatch(chunk, this.#queue, job.timeoutMs);
      const running = batch.length > 1 ? this.#runBatch(batch, job) : this.#run(chunk, job);
      // A chunk that breaks the node's own code is that chunk's loss (its lease runs out), never the node's end.
      const run = running.catch((err) => this.link.log(`[node] chunk ${chunk.jobId}#${chunk.index} broke the node: ${errorMessage(err)}`)).finally(() => {
        this.#running.delete(run);
        this.#runningChunks -= batch.length;
        this.#pump();
      });
      this.#running.add(run);
      this.#runningChunks += batch.length;
    }
    this.#topUp();
    this.#handBackIfIdle();
  }

  /**
   * Several tiny chunks of one job in one runner call. If the call fails, each
   * chunk runs again alone, so an error is reported for the chunk it belongs to.
   */
  async #runBatch(batch: NodeChunk[], job: JobSpec): Promise<void> {
    const epoch = this.link.epoch();
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

  async #call(jobId: string, job: JobSpec, task: NodeChunk["task"], items: unknown[], binary = false): Promise<ChunkOutcome> {
    try {
      return await this.pool.run({ jobId, ...job }, { task, items, ...(binary ? { binary: true as const } : {}) });
    } catch (err) {
      return { ok: false, error: { message: `runner failed: ${errorMessage(err)}` } };
    }
  }

  /** A chunk's items as the runner takes them: a binary chunk's with their bytes, fetched now. */
  async #itemsOf(chunk: NodeChunk): Promise<{ items: unknown[] } | { failed: ChunkOutcome }> {
    if (!chunk.binary) return { items: chunk.items };
    if (!this.#itemFetch) return { failed: { ok: false, error: { message: "this node cannot fetch binary items" } } };
    try {
      return { items: await this.#itemFetch.items(chunk) };
    } catch (err) {
      return { failed: { ok: false, error: { message: `could not fetch the chunk's items: ${errorMessage(err)}` } } };
    }
  }

  async #run(chunk: NodeChunk, job: JobSpec): Promise<void> {
    const epoch = this.link.epoch();
    const started = performance.now();
    const prepared = await this.#itemsOf(chunk);
    const outcome = "failed" in prepared ? prepared.failed : await this.#call(chunk.jobId, job, chunk.task, prepared.items, chunk.binary === true);
    if (outcome.ok) this.#pace.record(chunk.jobId, 1, performance.now() - started);
    const ms = Math.round(performance.now() - started);
    if (outcome.ok) this.#chunksDone++;
    else this.#chunksFailed++;
    const name = `${chunk.jobId}#${chunk.index}`;
    if (this.#cancelled.has(chunk.jobId)) {
      this.link.log(`[node] chunk ${name} finished after its job was cancelled; not reported`);
    } else if (!this.#report(chunk, outcome, epoch)) {
      this.link.log(`[node] chunk ${name} finished in ${ms} ms but its connection is gone; result discarded`);
    } else if (outcome.ok) {
      this.link.log(`[node] chunk ${name} done in ${ms} ms`);
    } else {
      this.link.log(`[node] chunk ${name} failed in ${ms} ms: ${outcome.error.message.split("\n")[0]}`);
    }
  }

  /** Sends a chunk's outcome if the connection that leased it is still up. */
  #report(chunk: NodeChunk, outcome: ChunkOutcome, epoch: number): boolean {
    if (epoch !== this.link.epoch() || !this.link.isOpen()) return false;
    const { jobId, index, token } = chunk;
    if (outcome.ok) return this.link.send({ v: NODE_PROTOCOL_VERSION, type: "result", jobId, index, token, results: outcome.results });
    const error: ChunkError = { message: outcome.error.message.slice(0, limits.errorMessageChars) };
    const itemIndex = outcome.error.itemIndex;
    if (Number.isInteger(itemIndex) && itemIndex! >= 0) error.itemIndex = itemIndex;
    if (outcome.error.deterministic === true) error.deterministic = true;
    return this.link.send({ v: NODE_PROTOCOL_VERSION, type: "error", jobId, index, token, error });
  }
}
