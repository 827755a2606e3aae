import { errorMessage } from "@medusa/core";
import { gatewayHttpUrl } from "../packages/wheel-cache.ts";

/** What the local UI shows of the node's pay: the gateway's count (the node is never told what a chunk pays). */
export type Earnings = { creditsEarned: number; chunksDone: number } | { error: string };
export type EarningsReader = () => Promise<Earnings>;

/** Answers within this long reuse the last one: the page polls, the gateway need not hear each poll. */
const FRESH_MS = 5_000;

/**
 * The node's own totals from `GET /v1/nodes/me`, asked with its token by the
 * node process; the page gets the figures only, never the token.
 */
export function gatewayEarnings(gateway: string, token: string, now = () => Date.now()): EarningsReader {
  const url = `${gatewayHttpUrl(gateway)}/v1/nodes/me`;
  let last: { at: number; value: Earnings } | undefined;
  return async () => {
    if (last && now() - last.at < FRESH_MS) return last.value;
    let value: Earnings;
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { creditsEarned?: number; chunksDone?: number; error?: { message?: string } };
      value = res.ok ? { creditsEarned: body.creditsEarned ?? 0, chunksDone: body.chunksDone ?? 0 } : { error: `${res.status}: ${body.error?.message ?? "no message"}` };
    } catch (err) {
      value = { error: errorMessage(err) };
    }
    last = { at: now(), value };
    return value;
  };
}
