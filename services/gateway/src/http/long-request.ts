import type { Context } from "hono";
import { getBunServer } from "hono/bun";

/**
 * Lifts Bun's idle timeout (10 s unless set) off one request: an event
 * stream, a round or a results request told to wait sends nothing for
 * longer than that, and Bun would cut the connection. Under `app.request`
 * in tests there is no server, and nothing to lift.
 */
export function keepOpen(c: Context): void {
  if (!c.env) return;
  getBunServer<{ timeout(request: Request, seconds: number): void }>(c)?.timeout(c.req.raw, 0);
}
