import type { MiddlewareHandler } from "hono";
import { MedusaError, tooDeepMessage, valueNestsDeeper } from "@medusa/core";
import type { HttpEnv } from "./types.ts";

/** `application/json`, or a `+json` type, with or without parameters. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Reads a JSON body of at most `maxBytes` into `c.var.body`. The cap holds
 * for chunked bodies too: the stream is counted, never trusted. A body sent
 * as anything but JSON is refused unread (415): a form post is not a job.
 */
export function jsonBody(options: { maxBytes: number }): MiddlewareHandler<HttpEnv> {
  if (!(options.maxBytes > 0)) throw new Error(`jsonBody: maxBytes must be positive, got ${options.maxBytes}`);
  return async (c, next) => {
    const type = c.req.header("content-type");
    if (!type || !JSON_TYPE.test(type)) {
      throw new MedusaError("unsupported_media_type", `send the body as JSON with Content-Type: application/json (got ${type ? JSON.stringify(type.slice(0, 100)) : "none"})`);
    }
    const text = await readText(c.req.raw, options.maxBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MedusaError("bad_request", "body is not valid JSON");
    }
    // Depth is checked before any schema or handler walks the value: JSON.stringify of a 100,000-deep one overflows the stack.
    if (valueNestsDeeper(body)) throw new MedusaError("bad_request", tooDeepMessage("body"));
    c.set("body", body);
    await next();
  };
}

const tooLarge = (maxBytes: number) => new MedusaError("payload_too_large", `body is over ${maxBytes} bytes`, { maxBytes });

/** Throws `payload_too_large` as soon as the declared or the counted size passes the cap. */
export async function readText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return "";
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of req.body) {
    size += part.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(part);
  }
  return Buffer.concat(parts).toString("utf8");
}
