import {
  call,
  createLogger,
  currentRequestId,
  errorFields,
  inputChunks,
  logServeError,
  MedusaError,
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
  /** Failures nobody else hears about: a failJob that could not be delivered, a crashing handler; JSON lines on stdout by default. */
  log?: LogSink;
}

export interface Splitter {
  served: Served;
  /** Jobs being split right now. */
  inFlight(): string[];
  /**
   * Stops taking jobs, gives running splits `graceMs` to finish, then aborts
   * the rest (their jobs fail, so nobody waits for chunks that never come).
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

interface SplitRequest {
  jobId: string;
  owner: string;
  spec: JobSpec;
}

const SHUTDOWN_MESSAGE = "the splitter shut down before the input was split; submit the job again";

/**
 * Serves splitJob: acknowledges at once and splits in the background, handing
 * chunks to the scheduler in batches. Each addChunks is awaited before the
 * next batch is read, so a slow scheduler slows the reading instead of
 * filling memory.
 */
export function serveSplitter(bus: Bus, deps: SplitterDeps, opts: { queue?: string } = {}): Splitter {
  const log = deps.log === undefined ? createLogger({ service: "splitter" }) : toLogger(deps.log);
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let closing: Promise<void> | undefined;

  const served = serve(
    bus,
    subjects.splitJob,
    (request) => {
      if (closing) throw new MedusaError("unavailable", "the splitter is shutting down");
      // A redelivered request for a job already being split must not produce its chunks twice.
      if (!running.has(request.jobId)) {
        const abort = new AbortController();
        const done = splitJob(bus, deps, request, abort.signal, log).finally(() => running.delete(request.jobId));
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

async function splitJob(bus: Bus, deps: SplitterDeps, request: SplitRequest, signal: AbortSignal, log: Logger): Promise<void> {
  const { jobId } = request;
  try {
    const chunks = inputChunks(request.spec.input, { owner: request.owner, blobs: deps.blobs }, { jobId, chunkSize: request.spec.chunkSize, inlineMaxBytes: deps.inlineMaxBytes });
    const sent = await sendChunks(bus, deps, jobId, chunks, signal);
    if (sent.stopped) return;
    if (signal.aborted) throw signal.reason;
    await call(bus, subjects.sealJob, { jobId, items: sent.items });
  } catch (err) {
    // The job's error is shown to its owner: what broke inside is logged under the request's id instead.
    const requestId = currentRequestId() ?? newRequestId();
    const sealed = signal.aborted ? undefined : publicError(err, requestId);
    if (sealed && sealed !== err) log.error("splitting failed", { jobId, requestId, ...errorFields(err) });
    const error = sealed ? sealed.message : SHUTDOWN_MESSAGE;
    try {
      await call(bus, subjects.failJob, { jobId, error });
    } catch (failErr) {
      log.error("a job whose split failed could not be failed", { jobId, error, ...errorFields(failErr) });
    }
  }
}

async function sendChunks(
  bus: Bus,
  deps: SplitterDeps,
  jobId: string,
  chunks: AsyncGenerator<NewChunk>,
  signal: AbortSignal,
): Promise<{ items: number; stopped: boolean }> {
  const maxChunks = deps.batchChunks ?? 500;
  const maxBytes = deps.batchBytes ?? 512 * 1024;
  let batch: NewChunk[] = [];
  let bytes = 0;
  let items = 0;
  const flush = async () => {
    const { accepted } = await call(bus, subjects.addChunks, { jobId, chunks: batch });
    batch = [];
    bytes = 0;
    return accepted;
  };
  // Leaving this loop early (return or throw) ends the generator, which stops reading the input.
  for await (const chunk of chunks) {
    if (signal.aborted) throw signal.reason;
    const size = Buffer.byteLength(JSON.stringify(chunk));
    if (batch.length > 0 && (batch.length >= maxChunks || bytes + size > maxBytes)) {
      if (!(await flush())) return { items, stopped: true };
    }
    batch.push(chunk);
    bytes += size;
    items += chunk.count;
  }
  if (batch.length > 0 && !(await flush())) return { items, stopped: true };
  return { items, stopped: false };
}
