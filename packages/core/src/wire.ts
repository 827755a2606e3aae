import { z } from "zod";
import { ErrorBody, errorMessage, MedusaError, publicError } from "./errors.ts";
import { createLogger, errorFields, type Logger } from "./logger.ts";
import { BusError, type Bus, type BusSubscription } from "./ports/bus.ts";
import { currentRequestId, newRequestId, withRequestId } from "./request-context.ts";

/**
 * Typed request/reply and events over the bus. Every message carries `v`;
 * replies carry either `data` or an `error` that becomes a MedusaError again
 * on the caller's side, so codes survive the hop between services. A request
 * carries `rid`, the id of the request it serves (see request-context.ts).
 */
export const WIRE_VERSION = 1;

export interface RequestDef<Req extends z.ZodType, Rep extends z.ZodType> {
  subject: string;
  request: Req;
  reply: Rep;
}

export interface EventDef<Ev extends z.ZodType, Args extends unknown[] = []> {
  subject: (...args: Args) => string;
  /** The subscription pattern covering every subject of this event. */
  pattern: string;
  payload: Ev;
}

export const defineRequest = <Req extends z.ZodType, Rep extends z.ZodType>(subject: string, request: Req, reply: Rep): RequestDef<Req, Rep> => ({
  subject,
  request,
  reply,
});

export function defineEvent<Ev extends z.ZodType, Args extends unknown[] = []>(
  subject: (...args: Args) => string,
  pattern: string,
  payload: Ev,
): EventDef<Ev, Args> {
  return { subject, pattern, payload };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const encodeJson = (value: unknown) => encoder.encode(JSON.stringify(value));
export const decodeJson = (data: Uint8Array): unknown => JSON.parse(decoder.decode(data));

const ReplyEnvelope = z.union([
  z.object({ v: z.number(), ok: z.literal(true), data: z.unknown() }),
  /** `internal`: the original message of a sealed error, for the caller's log only. */
  z.object({ v: z.number(), ok: z.literal(false), error: ErrorBody, internal: z.string().optional() }),
]);
const Envelope = z.object({ v: z.number(), data: z.unknown(), rid: z.string().optional() });

/**
 * Decodes a message and checks its `v` before anything else: a message of
 * another version may mean something else in the same shape, so it is refused
 * with a reason (`unsupported`), never guessed at.
 */
function opened<T extends z.ZodType>(envelope: T, subject: string, data: Uint8Array): z.infer<T> {
  const json = decodeJson(data);
  const v = (json as { v?: unknown } | null)?.v;
  if (v !== WIRE_VERSION) {
    throw new MedusaError("unsupported", `${subject}: wire version ${JSON.stringify(v) ?? "missing"} is not understood here (this side speaks ${WIRE_VERSION})`);
  }
  return envelope.parse(json);
}

export interface CallOptions {
  timeoutMs?: number;
}

/** Sends a request and parses the reply; bus failures become `unavailable` / `timeout` MedusaErrors. */
export async function call<Req extends z.ZodType, Rep extends z.ZodType>(
  bus: Bus,
  def: RequestDef<Req, Rep>,
  request: z.input<Req>,
  opts: CallOptions = {},
): Promise<z.infer<Rep>> {
  let raw: Uint8Array;
  try {
    const rid = currentRequestId();
    raw = await bus.request(def.subject, encodeJson({ v: WIRE_VERSION, data: request, ...(rid ? { rid } : {}) }), { timeoutMs: opts.timeoutMs ?? 10_000 });
  } catch (err) {
    if (err instanceof BusError) {
      if (err.code === "too_large") throw new MedusaError("payload_too_large", `${def.subject}: the request is over the largest message the bus carries`);
      const code = err.code === "timeout" ? "timeout" : "unavailable";
      throw new MedusaError(code, `${def.subject}: ${err.code === "no_responders" ? "no service is answering" : err.code}`);
    }
    throw err;
  }
  const envelope = opened(ReplyEnvelope, def.subject, raw);
  if (!envelope.ok) {
    const error = MedusaError.fromBody(envelope.error);
    if (envelope.internal !== undefined) error.cause = envelope.internal;
    throw error;
  }
  return def.reply.parse(envelope.data);
}

export type Handler<Req extends z.ZodType, Rep extends z.ZodType> = (request: z.infer<Req>, subject: string) => Promise<z.input<Rep>> | z.input<Rep>;

export interface Served {
  subscription: BusSubscription;
  /** Resolves when the subscription has ended and every handler it started has replied. */
  done: Promise<void>;
}

/** Where `serve` reports a handler's unexpected error, with the request id its caller was given. */
export type ServeErrorReport = (err: unknown, context: { subject: string; requestId: string }) => void;

/** Reports a handler's unexpected error to a service's log, under the request id its caller was given. */
export const logServeError =
  (log: Logger): ServeErrorReport =>
  (err, { subject, requestId }) =>
    log.error("request handler failed", { subject, requestId, ...errorFields(err) });

/** Without an `onError`, an unexpected error still gets one line, on stderr. */
const reportToStderr = logServeError(createLogger({ service: "bus", write: (line) => void process.stderr.write(`${line}\n`) }));

/**
 * Answers requests on a subject. Each message is handled concurrently, under
 * its request's id; a bad message or a throwing handler gets an error reply
 * and never ends the loop. An error that is not a MedusaError is a bug: it is
 * reported here, and the caller gets only `internal` and the request id.
 */
export function serve<Req extends z.ZodType, Rep extends z.ZodType>(
  bus: Bus,
  def: RequestDef<Req, Rep>,
  handler: Handler<Req, Rep>,
  opts: { queue?: string; onError?: ServeErrorReport } = {},
): Served {
  const subscription = bus.subscribe(def.subject, { queue: opts.queue });
  const inflight = new Set<Promise<void>>();
  const report = opts.onError ?? reportToStderr;
  const answer = async (msg: { subject: string; data: Uint8Array; respond(d: Uint8Array): void }) => {
    let requestId = newRequestId();
    try {
      const envelope = opened(Envelope, def.subject, msg.data);
      requestId = envelope.rid ?? requestId;
      const request = def.request.safeParse(envelope.data);
      if (!request.success) throw new MedusaError("invalid_field", `${def.subject}: ${request.error.issues[0]?.path.join(".")}: ${request.error.issues[0]?.message}`);
      // Parsed once, by the caller (`call`): a second parse here cost as much again on every request.
      const reply = await withRequestId(requestId, () => handler(request.data, msg.subject));
      msg.respond(encodeJson({ v: WIRE_VERSION, ok: true, data: reply }));
    } catch (err) {
      if (err instanceof MedusaError) return msg.respond(encodeJson({ v: WIRE_VERSION, ok: false, error: err.toBody() }));
      report(err, { subject: msg.subject, requestId });
      msg.respond(encodeJson({ v: WIRE_VERSION, ok: false, error: publicError(err, requestId).toBody(), internal: errorMessage(err) }));
    }
  };
  const done = (async () => {
    for await (const msg of subscription) {
      const p = answer(msg).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  })();
  return { subscription, done };
}

/** Publishes an event; the type checks it here, and each listener parses it (`listen`), once per process it reaches. */
export function emit<Ev extends z.ZodType, Args extends unknown[]>(bus: Bus, def: EventDef<Ev, Args>, payload: z.input<Ev>, ...args: Args): void {
  bus.publish(def.subject(...args), encodeJson({ v: WIRE_VERSION, data: payload }));
}

/** Calls `handler` for each valid event; an invalid one (or one of another wire version) is reported and skipped. */
export function listen<Ev extends z.ZodType, Args extends unknown[]>(
  bus: Bus,
  def: EventDef<Ev, Args>,
  handler: (event: z.infer<Ev>, subject: string) => void | Promise<void>,
  opts: { subject?: string; queue?: string; onError?: (err: unknown) => void } = {},
): Served {
  const subscription = bus.subscribe(opts.subject ?? def.pattern, { queue: opts.queue });
  const done = (async () => {
    for await (const msg of subscription) {
      try {
        const envelope = opened(Envelope, msg.subject, msg.data);
        await handler(def.payload.parse(envelope.data), msg.subject);
      } catch (err) {
        opts.onError?.(err);
      }
    }
  })();
  return { subscription, done };
}
