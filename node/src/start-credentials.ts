import type { CliOptions } from "./cli.ts";
import type { NodeCredentials } from "./credentials.ts";

/**
 * Where a starting node gets its gateway and token: a token given (flag or
 * MEDUSA_NODE_TOKEN) wins; else the credentials activation saved; else, with
 * a local UI to ask through, activation; else a message saying how.
 */
export type StartCredentials =
  | { kind: "ready"; gateway: string; token: string }
  | { kind: "activate"; gateway?: string }
  | { kind: "error"; message: string };

const trimmed = (url: string) => url.trim().replace(/\/+$/, "");
/** The saved gateway is one of those given (`--gateway a,b`). */
const same = (given: string, saved: string) => given.split(",").some((g) => trimmed(g) === trimmed(saved));

export function startCredentials(options: Pick<CliOptions, "gateway" | "token" | "uiPort">, saved: NodeCredentials | null): StartCredentials {
  if (options.token) {
    const gateway = options.gateway ?? saved?.gateway;
    return gateway ? { kind: "ready", gateway, token: options.token } : { kind: "error", message: "--gateway is required (or set MEDUSA_GATEWAY)" };
  }
  if (saved) {
    if (options.gateway && !same(options.gateway, saved.gateway)) {
      return { kind: "error", message: `this node was activated for ${saved.gateway}; to run for ${options.gateway}, activate it there: medusa-node activate CODE --gateway ${options.gateway}` };
    }
    // Other gateways of the same deployment given beside the saved one are gateways to fail over to.
    return { kind: "ready", gateway: options.gateway?.includes(",") ? options.gateway : saved.gateway, token: saved.token };
  }
  if (options.uiPort === null) return { kind: "error", message: "--token is required (or set MEDUSA_NODE_TOKEN, or run medusa-node activate CODE --gateway URL first)" };
  return { kind: "activate", ...(options.gateway ? { gateway: options.gateway } : {}) };
}
