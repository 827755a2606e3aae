/**
 * The bus port: NATS semantics (subjects with `*`/`>` wildcards, queue groups,
 * request/reply with a timeout). Adapters: NATS, and an in-process bus.
 */
export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Answers a request; a no-op for a plain publish. */
  respond(data: Uint8Array): void;
}

export interface BusSubscription extends AsyncIterable<BusMessage> {
  unsubscribe(): void;
}

export interface Bus {
  publish(subject: string, data: Uint8Array): void;
  /** Messages arrive in publish order per publisher; with `queue`, each goes to one member of the group. */
  subscribe(subject: string, opts?: { queue?: string }): BusSubscription;
  /** Rejects with BusError code `no_responders` at once when nobody listens, `timeout` after timeoutMs. */
  request(subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<Uint8Array>;
  /** Resolves when everything published so far has reached the server (or the local subscribers). */
  flush(): Promise<void>;
  /** Stops taking new messages, lets subscribers finish what they hold, then closes. */
  drain(): Promise<void>;
}

/** `too_large`: the message is over what the bus carries in one message (NATS's max_payload). */
export type BusErrorCode = "no_responders" | "timeout" | "closed" | "too_large";

export class BusError extends Error {
  constructor(
    readonly code: BusErrorCode,
    readonly subject: string,
  ) {
    super(`${code} on ${subject}`);
    this.name = "BusError";
  }
}

/** NATS subject matching: `*` is one token, a trailing `>` is one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  return subjectMatcher(pattern)(subject);
}

/**
 * subjectMatches with the pattern read once: a bus routing every message
 * past every subscription would otherwise split each pattern each time. A
 * pattern without wildcards is a string comparison.
 */
export function subjectMatcher(pattern: string): (subject: string) => boolean {
  if (!pattern.includes("*") && !pattern.includes(">")) return (subject) => subject === pattern;
  const p = pattern.split(".");
  return (subject) => tokensMatch(p, subject.split("."));
}

function tokensMatch(p: string[], s: string[]): boolean {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
