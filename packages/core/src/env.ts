import { z } from "zod";
import { errorMessage } from "./errors.ts";
import { logEnv } from "./logger.ts";

/**
 * Configuration from the environment. Every deployable's `env.ts` has one
 * shape: a schema `XEnv` of its variables, its type `XEnv = z.infer<…>`, and
 * `xEnv(source = process.env)`, which parses once at start-up. A bad value
 * throws a message naming the variable.
 */
export type EnvSource = Record<string, string | undefined>;

export function parseEnv<S extends z.ZodType>(schema: S, source: EnvSource = process.env): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join("\n")}`);
}

const optionalUrl = z
  .string()
  .optional()
  .transform((s) => (s ? s : undefined))
  .pipe(z.url().optional());

/** The variables every deployable shares: which adapter each port uses, and how much it logs. */
export const PortEnv = z.object({
  ...logEnv,
  MEDUSA_NATS_URL: optionalUrl,
  MEDUSA_REDIS_URL: optionalUrl,
  MEDUSA_MONGO_URL: optionalUrl,
  MEDUSA_DATA_DIR: z.string().default(".medusa"),
  /** Key/subject prefix so several deployments (and test runs) share one Redis/NATS. */
  MEDUSA_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("medusa"),
  /** Where blobs live: a folder under MEDUSA_DATA_DIR (one host, or a shared disk), or NATS JetStream's object store (any host that reaches NATS). */
  MEDUSA_BLOBS: z.enum(["folder", "jetstream"]).default("folder"),
  /** Copies of each blob a JetStream cluster keeps (1 on a single NATS server). */
  MEDUSA_BLOBS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});
export type PortEnv = z.infer<typeof PortEnv>;

/** A yes/no variable: 1, 0, true or false. */
export const flagFrom = (fallback: boolean) =>
  z
    .enum(["0", "1", "true", "false"], { error: "use 1 or 0" })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "1" || v === "true"));

export const intFrom = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds in a duration such as `7d`, `12h`, `30m`, `45s`, `500ms` or `1.5h`; a bare number is milliseconds. Null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? "ms"]!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** A duration variable (see parseDuration), in ms, at least `minMs`. */
export const durationFrom = (fallback: string, minMs = 1) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) ctx.addIssue({ code: "custom", message: `"${text}" is not a duration: use e.g. 7d, 12h, 30m, 45s or 500ms` });
      else if (ms < minMs) ctx.addIssue({ code: "custom", message: `"${text}" is under the minimum of ${minMs} ms` });
      return ms ?? 0;
    });

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4 };

/** Bytes in a size such as `10GiB`, `500MB`, `2g` or a bare number of bytes; null when it is not one. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** A size variable in bytes (see parseBytes), at least `min`. */
export const bytesFrom = (fallback: string, min = 1) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const bytes = parseBytes(text);
      if (bytes === null) ctx.addIssue({ code: "custom", message: `"${text}" is not a size: use e.g. 10GiB, 500MB or a number of bytes` });
      else if (bytes < min) ctx.addIssue({ code: "custom", message: `"${text}" is under the minimum of ${min} bytes` });
      return bytes ?? 0;
    });

/** MEDUSA_NATS_URL for a service started on its own: it reaches the others only over NATS, so it refuses to start without it. */
export function natsUrlRequiredBy(service: string) {
  const required = `required: the ${service} reaches the other services over NATS (e.g. nats://127.0.0.1:4222)`;
  return z.string({ error: required }).min(1, { error: required }).pipe(z.url());
}

/** Reads a service's configuration at start-up; a bad value ends the process with exit code 2 and the reason. */
export function configOrExit<T>(service: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    console.error(`[${service}] ${errorMessage(err)}`);
    process.exit(2);
  }
}
