import { errorMessage } from "@medusa/core";
import { GatewayList } from "../agent/gateway-list.ts";

/** What the local UI shows of the node's pay: the gateway's count (the node is never told what a chunk pays). */
export type Earnings = { creditsEarned: number; chunksDone: number } | { error: string };
export type EarningsReader = () => Promise<Earnings>;

/** Answers within this long reuse the last one: the page polls, the gateway need not hear each poll. */
const FRESH_MS = 5_000;

/**
 * The node's own totals from `GET /v1/nodes/me`, asked with its token by the
 * node process; the page gets the figures only, never the token. `gateway`
 * may name several (`a,b`): a gateway that cannot be reached is left for the
 * next one, as the node's connection does.
 */
export function gatewayEarnings(gateway: string, token: string, now = () => Date.now()): EarningsReader {
  const gateways = new GatewayList(gateway);
  let last: { at: number; value: Earnings } | undefined;
  const ask = async (): Promise<Earnings> => {
    const res = await fetch(`${gateways.httpUrl}/v1/nodes/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { creditsEarned?: number; chunksDone?: number; error?: { message?: string } };
    return res.ok ? { creditsEarned: body.creditsEarned ?? 0, chunksDone: body.chunksDone ?? 0 } : { error: `${res.status}: ${body.error?.message ?? "no message"}` };
  };
  return async () => {
    if (last && now() - last.at < FRESH_MS) return last.value;
    let value: Earnings = { error: "no gateway answered" };
    for (let tried = 0; tried < gateways.all.length; tried++) {
      try {
        value = await ask();
        break;
      } catch (err) {
        value = { error: errorMessage(err) };
        gateways.next();
      }
    }
    last = { at: now(), value };
    return value;
  };
}
