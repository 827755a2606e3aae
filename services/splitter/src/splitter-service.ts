import {
  call,
  createLogger,
  currentRequestId,
  errorFields,
  inputChunks,
  logServeError,
  MedusaError,
  newId,
  newRequestId,
  publicError,
  serve,
  subjects,
  toLogger,
  type BlobStore,
  type Bus,
  type JobSpec,
  type Logger,
  type LogSink,
  type NewChunk,
  type Served,
} from "@medusa/core";

export interface SplitterDeps {
  blobs: BlobStore;
  /** File chunks whose JSON is at least this big go to the blob store instead of inline. */
  inlineMaxBytes?: number;
  /** Most chunks per addChunks request. */
  batchChunks?: number;
  /** Most JSON bytes of chunks per addChunks request: NATS refuses messages over 1 MB. */
  batchBytes?: number;
  /** Names this splitter in the split leases it holds; default a random id. */
  id?: string;
  /** Failures nobody else hears about: a failJob that could not be delivered, a crashing handler; JSON lines on stdout by default. */
  log?: LogSink;
}

export interface Splitter {
  served: Served;
  /** Jobs being split right now. */
  inFlight(): string[];
  /**
   * Stops taking jobs, gives running splits `graceMs` to finish, then hands
   * the rest back, so another splitter goes on from where they stopped.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

interface SplitRequest {
  jobId: string;
  owner: string;
  spec: JobSpec;
}

interface Claim {
  token: string;
  chunks: number;
  leaseMs: number;
}

/**
 * Serves splitJob: acknowledges at once and splits in the background. A
 * split is a durable task in the chunk store: this splitter claims it (a
 * lease it renews while it works), skips the chunks an earlier holder
 * already stored, and hands chunks to the scheduler in batches, each saying
 * where it starts, so a chunk is never added twice. Each addChunks is
 * awaited before the next batch is read, so a slow scheduler slows the
 * reading instead of filling memory. If this process dies, the lease runs
 * out and the scheduler sends the split to another splitter.
 */
export function serveSplitter(bus: Bus, deps: SplitterDeps, opts: { queue?: string } = {}): Splitter {
  const log = deps.log === undefined ? createLogger({ service: "splitter" }) : toLogger(deps.log);
  const id = deps.id ?? newId("splitter");
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let closing: Promise<void> | undefined;

  const served = serve(
    bus,
    subjects.splitJob,
    (request) => {
      if (closing) throw new MedusaError("unavailable", "the splitter is shutting down");
      // A redelivered request for a job already being split here is the same split; the lease stops any other splitter.
      if (!running.has(request.jobId)) {
        const abort = new AbortController();
        const done = splitJob(bus, deps, id, request, abort.signal, log).finally(() => running.delete(request.jobId));
        running.set(request.jobId, { abort, done });
      }
      return { ok: true as const };
    },
    { queue: opts.queue, onError: logServeError(log) },
  );

  const close = async (graceMs: number) => {
    served.subscription.unsubscribe();
    await served.done;
    const all = () => Promise.all([...running.values()].map((r) => r.done));
    if (graceMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const r of running.values()) r.abort.abort();
    await all();
  };

  return {
    served,
    inFlight: () => [...running.keys()],
    close: (o = {}) => (closing ??= close(o.graceMs ?? 0)),
  };
}

async function splitJob(bus: Bus, deps: SplitterDeps, id: string, request: SplitRequest, shutdown: AbortSignal, log: Logger): Promise<void> {
  const { jobId } = request;
  let claim: Claim | null;
  try {
    claim = (await call(bus, subjects.claimSplit, { jobId, splitter: id })).claim;
  } catch (err) {
    // Unclaimed, the split stays due: the scheduler sends it again.
    return log.warn("could not claim a split", { jobId, ...errorFields(err) });
  }
  if (!claim) return;
  log.info("split claimed", { jobId, splitter: id, from: claim.chunks });
  const lost = new AbortController();
  const renewal = renewWhileSplitting(bus, jobId, claim, lost, log);
  const stop = AbortSignal.any([shutdown, lost.signal]);
  try {
    const chunks = inputChunks(request.spec.input, { owner: request.owner, blobs: deps.blobs }, { jobId, chunkSize: request.spec.chunkSize, inlineMaxBytes: deps.inlineMaxBytes });
    const sent = await sendChunks(bus, deps, jobId, claim, chunks, stop);
    if (sent.stopped) return;
    stop.throwIfAborted();
    await call(bus, subjects.sealJob, { jobId, token: claim.token, items: sent.items });
  } catch (err) {
    if (lost.signal.aborted) return;
    await giveUp(bus, jobId, claim.token, shutdown.aborted ? null : err, log);
  } finally {
    clearInterval(renewal);
  }
}

/** Renews the lease a third of the way through each term; a renewal refused means another splitter holds it now. */
function renewWhileSplitting(bus: Bus, jobId: string, claim: Claim, lost: AbortController, log: Logger) {
  return setInterval(() => {
    call(bus, subjects.renewSplit, { jobId, token: claim.token })
      .then(({ held }) => held || lost.abort(new Error("the split's lease was lost")))
      .catch((err) => log.warn("could not renew a split's lease", { jobId, ...errorFields(err) }));
  }, Math.max(100, Math.floor(claim.leaseMs / 3)));
}

/**
 * A split that stopped: the input's own fault (a 4xx: a bad line, a missing
 * file) fails the job at once, since no retry can help; anything else is a
 * failed attempt another splitter retries; a shutdown (`err` null) hands the
 * split back. The job's error is shown to its owner: what broke inside is
 * logged under the request's id instead.
 */
async function giveUp(bus: Bus, jobId: string, token: string, err: unknown, log: Logger): Promise<void> {
  const requestId = currentRequestId() ?? newRequestId();
  const sealed = err === null ? null : publicError(err, requestId);
  if (sealed && sealed !== err) log.error("splitting failed", { jobId, requestId, ...errorFields(err) });
  try {
    if (sealed && sealed.httpStatus < 500) await call(bus, subjects.failJob, { jobId, error: sealed.message });
    else await call(bus, subjects.releaseSplit, { jobId, token, ...(sealed ? { error: sealed.message } : {}) });
  } catch (failErr) {
    // Its lease runs out instead, and the scheduler sends the split again.
    log.error("a split that stopped could not be failed or handed back", { jobId, error: sealed?.message, ...errorFields(failErr) });
  }
}

async function sendChunks(
  bus: Bus,
  deps: SplitterDeps,
  jobId: string,
  claim: Claim,
  chunks: AsyncGenerator<NewChunk>,
  signal: AbortSignal,
): Promise<{ items: number; stopped: boolean }> {
  const maxChunks = deps.batchChunks ?? 500;
  const maxBytes = deps.batchBytes ?? 512 * 1024;
  let batch: NewChunk[] = [];
  let bytes = 0;
  let items = 0;
  /** Chunks read so far, the stored ones an earlier holder added included. */
  let read = 0;
  let at = claim.chunks;
  const flush = async () => {
    const { accepted } = await call(bus, subjects.addChunks, { jobId, token: claim.token, at, chunks: batch });
    at += batch.length;
    batch = [];
    bytes = 0;
    return accepted;
  };
  // Leaving this loop early (return or throw) ends the generator, which stops reading the input.
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    items += chunk.count;
    if (read++ < claim.chunks) continue;
    const size = Buffer.byteLength(JSON.stringify(chunk));
    if (batch.length > 0 && (batch.length >= maxChunks || bytes + size > maxBytes)) {
      if (!(await flush())) return { items, stopped: true };
    }
    batch.push(chunk);
    bytes += size;
  }
  if (batch.length > 0 && !(await flush())) return { items, stopped: true };
  return { items, stopped: false };
}
