import { z } from "zod";
import { errorMessage } from "./errors.ts";
import { logEnv } from "./logger.ts";

/**
 * Configuration from the environment, parsed once at start-up. A bad value
 * stops the process with a message naming the variable.
 */
export function parseEnv<T extends z.ZodRawShape>(shape: T, env: Record<string, string | undefined> = process.env): z.infer<z.ZodObject<T>> {
  const parsed = z.object(shape).safeParse(env);
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
export const portEnv = {
  ...logEnv,
  MEDUSA_NATS_URL: optionalUrl,
  MEDUSA_REDIS_URL: optionalUrl,
  MEDUSA_MONGO_URL: optionalUrl,
  MEDUSA_DATA_DIR: z.string().default(".medusa"),
  /** Key/subject prefix so several deployments (and test runs) share one Redis/NATS. */
  MEDUSA_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("medusa"),
};

export const intFrom = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);

/** A service started on its own reaches the others only over NATS, so it refuses to start without it. */
export function requireNats<T extends { MEDUSA_NATS_URL?: string }>(parsed: T, service: string): T & { MEDUSA_NATS_URL: string } {
  const url = parsed.MEDUSA_NATS_URL;
  if (!url) {
    throw new Error(`invalid configuration:\n  MEDUSA_NATS_URL: required: the ${service} reaches the other services over NATS (e.g. nats://127.0.0.1:4222)`);
  }
  return { ...parsed, MEDUSA_NATS_URL: url };
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
