import { z } from "zod";
import { currentRequestId } from "./request-context.ts";

/**
 * Structured logs: one JSON object per line (`t`, `level`, `service`, `msg`,
 * then the fields), the shape log shippers read without a parser. Forty lines
 * of our own instead of pino: we need levels, fields and a swappable writer,
 * and nothing of pino's transports, and core depends on zod alone.
 */
export const LogLevel = z.enum(["debug", "info", "warn", "error"]);
export type LogLevel = z.infer<typeof LogLevel>;
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * What a service takes as its `log` dependency: a Logger, or a plain function
 * of one line of text (tests collect lines this way; fields are appended).
 */
export type LogSink = Logger | ((line: string) => void);

/** `MEDUSA_LOG_LEVEL`, for every deployable's env shape. */
export const logEnv = { MEDUSA_LOG_LEVEL: LogLevel.default("info") };

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where each line goes; stdout by default. */
  write?: (line: string) => void;
  now?: () => number;
}

export function createLogger(opts: LoggerOptions): Logger {
  const min = RANK[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = opts.now ?? Date.now;
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const requestId = currentRequestId();
    write(JSON.stringify({ t: new Date(now()).toISOString(), level, service: opts.service, msg, ...(requestId ? { requestId } : {}), ...fields }));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A Logger for any sink; a function sink gets `msg` followed by the fields as JSON. */
export function toLogger(sink: LogSink | undefined): Logger {
  if (sink === undefined) return silentLogger;
  if (typeof sink !== "function") return sink;
  const line = (msg: string, fields?: LogFields) => sink(fields && Object.keys(fields).length > 0 ? `${msg} ${JSON.stringify(fields)}` : msg);
  return { debug: line, info: line, warn: line, error: line };
}

/** An error as log fields: its message, and its stack when it is a bug rather than an expected failure. */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: String(err) };
  const code = (err as { code?: unknown }).code;
  return code === undefined ? { error: err.message, stack: err.stack } : { error: err.message, code: String(code) };
}
