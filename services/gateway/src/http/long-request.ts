import type { Context } from "hono";

/**
 * Lifts Bun's idle timeout (10 s unless set) off one request: an event
 * stream or a round that takes a while sends nothing for longer than that,
 * and Bun would cut the connection. Hono hands Bun's server in as `c.env`;
 * under `app.request` in tests there is none, and nothing to lift.
 */
export function keepOpen(c: Context): void {
  const server = c.env as { timeout?: (request: Request, seconds: number) => void } | undefined;
  server?.timeout?.(c.req.raw, 0);
}
