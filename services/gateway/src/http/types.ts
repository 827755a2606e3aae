import type { Principal } from "@medusa/core";

/** Where the gateway reports what it cannot hand back to a caller (one line per call). */
export type Log = (message: string) => void;

export const silentLog: Log = () => {};

/** An error as one log line's tail, stack included for the unexpected ones. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return "code" in err ? `${err.message} (${String(err.code)})` : (err.stack ?? err.message);
  return String(err);
}

export type AccountPrincipal = Extract<Principal, { kind: "account" }>;
export type NodePrincipal = Extract<Principal, { kind: "node" }>;

/** The Hono env of the gateway's routes: the context variables its middleware sets (not the process environment: that is `GatewayEnv` in env.ts). */
export interface HttpEnv {
  Variables: {
    account: AccountPrincipal;
    node: NodePrincipal;
    /** The parsed JSON body, set by `jsonBody`. */
    body: unknown;
  };
}
