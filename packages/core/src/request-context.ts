import { AsyncLocalStorage } from "node:async_hooks";
import { newId } from "./ids.ts";

/**
 * The id of the request being served, wherever the work it started goes: the
 * gateway sets it per HTTP request, `call` carries it in the bus envelope and
 * `serve` sets it again around the handler, so the logs of every service a
 * request touched share one id, and a 5xx names it to the caller.
 */
const context = new AsyncLocalStorage<string>();

export const newRequestId = () => newId("req", 9);

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return context.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore();
}
