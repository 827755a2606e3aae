import { z } from "zod";
import { ErrorBody, MedusaError } from "./errors.ts";
import { BusError, type Bus, type BusSubscription } from "./ports/bus.ts";

/**
 * Typed request/reply and events over the bus. Every message carries `v`;
 * replies carry either `data` or an `error` that becomes a MedusaError again
 * on the caller's side, so codes survive the hop between services.
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
  z.object({ v: z.number(), ok: z.literal(false), error: ErrorBody }),
]);
const Envelope = z.object({ v: z.number(), data: z.unknown() });

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
    raw = await bus.request(def.subject, encodeJson({ v: WIRE_VERSION, data: request }), { timeoutMs: opts.timeoutMs ?? 10_000 });
  } catch (err) {
    if (err instanceof BusError) {
      const code = err.code === "timeout" ? "timeout" : "unavailable";
      throw new MedusaError(code, `${def.subject}: ${err.code === "no_responders" ? "no service is answering" : err.code}`);
    }
    throw err;
  }
  const envelope = opened(ReplyEnvelope, def.subject, raw);
  if (!envelope.ok) throw MedusaError.fromBody(envelope.error);
  return def.reply.parse(envelope.data);
}

export type Handler<Req extends z.ZodType, Rep extends z.ZodType> = (request: z.infer<Req>, subject: string) => Promise<z.input<Rep>> | z.input<Rep>;

export interface Served {
  subscription: BusSubscription;
  /** Resolves when the subscription has ended and every handler it started has replied. */
  done: Promise<void>;
}

/**
 * Answers requests on a subject. Each message is handled concurrently; a bad
 * message or a throwing handler gets an error reply and never ends the loop.
 */
export function serve<Req extends z.ZodType, Rep extends z.ZodType>(
  bus: Bus,
  def: RequestDef<Req, Rep>,
  handler: Handler<Req, Rep>,
  opts: { queue?: string; onError?: (err: unknown) => void } = {},
): Served {
  const subscription = bus.subscribe(def.subject, { queue: opts.queue });
  const inflight = new Set<Promise<void>>();
  const answer = async (msg: { subject: string; data: Uint8Array; respond(d: Uint8Array): void }) => {
    try {
      const envelope = opened(Envelope, def.subject, msg.data);
      const request = def.request.safeParse(envelope.data);
      if (!request.success) throw new MedusaError("invalid_field", `${def.subject}: ${request.error.issues[0]?.path.join(".")}: ${request.error.issues[0]?.message}`);
      const reply = def.reply.parse(await handler(request.data, msg.subject));
      msg.respond(encodeJson({ v: WIRE_VERSION, ok: true, data: reply }));
    } catch (err) {
      const error = err instanceof MedusaError ? err : new MedusaError("internal", err instanceof Error ? err.message : String(err));
      if (!(err instanceof MedusaError)) opts.onError?.(err);
      msg.respond(encodeJson({ v: WIRE_VERSION, ok: false, error: error.toBody() }));
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

export function emit<Ev extends z.ZodType, Args extends unknown[]>(bus: Bus, def: EventDef<Ev, Args>, payload: z.input<Ev>, ...args: Args): void {
  bus.publish(def.subject(...args), encodeJson({ v: WIRE_VERSION, data: def.payload.parse(payload) }));
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
