import type { ErrorHandler, NotFoundHandler } from "hono";
import { MedusaError } from "@medusa/core";
import { errorText, type Log } from "./types.ts";

/**
 * Every failure leaves as `{"error": {code, message, details?}}` with the
 * status MedusaError maps its code to. Anything else is a bug: logged, and
 * answered 500 without leaking its message.
 */
export function errorHandler(options: { log: Log }): ErrorHandler {
  return (err, c) => {
    if (err instanceof MedusaError) {
      if (err.httpStatus >= 500) options.log(`${c.req.method} ${c.req.path}: ${err.code}: ${err.message}`);
      return c.json({ error: err.toBody() }, err.httpStatus as 400);
    }
    options.log(`${c.req.method} ${c.req.path} failed: ${errorText(err)}`);
    return c.json({ error: new MedusaError("internal", "internal error").toBody() }, 500);
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  c.json({ error: new MedusaError("not_found", `no route for ${c.req.method} ${c.req.path}`).toBody() }, 404);
