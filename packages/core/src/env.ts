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
});
export type PortEnv = z.infer<typeof PortEnv>;

export const intFrom = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);

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
