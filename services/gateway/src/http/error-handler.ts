import type { ErrorHandler, NotFoundHandler } from "hono";
import { errorFields, MedusaError, newRequestId, publicError } from "@medusa/core";
import type { HttpEnv, Log } from "./types.ts";

/**
 * Every failure leaves as `{"error": {code, message, details?}}` with the
 * status MedusaError maps its code to. A 5xx is sealed (see `publicError`):
 * the caller gets a generic message and the request id, the log gets the
 * original under that id. A 429 says when to come back in `Retry-After`.
 */
export function errorHandler(options: { log: Log }): ErrorHandler<HttpEnv> {
  return (err, c) => {
    const requestId = c.var.requestId ?? newRequestId();
    const sealed = publicError(err, requestId);
    if (sealed.httpStatus >= 500) {
      const cause = err instanceof MedusaError && typeof err.cause === "string" ? { cause: err.cause } : {};
      options.log.error("request failed", { requestId, ...errorFields(err), ...cause });
    }
    const retryAfter = sealed.code === "rate_limited" ? (sealed.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
    return c.json({ error: sealed.toBody() }, sealed.httpStatus as 500);
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  c.json({ error: new MedusaError("not_found", `no route for ${c.req.method} ${c.req.path}`).toBody() }, 404);
