import { ActivatedNode, ErrorBody, errorMessage } from "@medusa/core";
import { z } from "zod";
import type { NodeCredentials } from "./credentials.ts";

/** Why activation did not work; `field` is what the volunteer should fix. */
export class ActivationFailed extends Error {
  constructor(
    message: string,
    readonly field: "code" | "gateway",
  ) {
    super(message);
  }
}

/**
 * Trades a one-time activation code (shown by the site's "Add a node") for
 * this node's token: `POST /v1/nodes/activate`, no account needed. A refusal
 * comes back as an Error with the gateway's own words.
 */
export async function activateWithCode(gateway: string, code: string, fetchImpl: typeof fetch = fetch): Promise<NodeCredentials> {
  const url = new URL(gateway);
  url.protocol = url.protocol === "wss:" ? "https:" : url.protocol === "ws:" ? "http:" : url.protocol;
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/nodes/activate`;
  let res: Response;
  try {
    res = await fetchImpl(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new ActivationFailed(`cannot reach ${gateway}: ${errorMessage(err)}`, "gateway");
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = z.object({ error: ErrorBody }).safeParse(body);
    if (error.success) throw new ActivationFailed(error.data.error.message, res.status === 429 || res.status === 400 ? "code" : "gateway");
    throw new ActivationFailed(`${gateway} answered ${res.status} ${res.statusText}: is it a Medusa site?`, "gateway");
  }
  const node = ActivatedNode.safeParse(body);
  if (!node.success) throw new ActivationFailed(`${gateway} did not answer like a Medusa site`, "gateway");
  return { v: 1, gateway: gateway.replace(/\/+$/, ""), token: node.data.nodeToken, nodeId: node.data.nodeId, name: node.data.name };
}
