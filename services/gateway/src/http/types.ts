import { silentLogger, type Logger, type Principal } from "@medusa/core";

/** Where the gateway reports what it cannot hand back to a caller. */
export type Log = Logger;

export const silentLog: Log = silentLogger;

export type AccountPrincipal = Extract<Principal, { kind: "account" }>;
export type NodePrincipal = Extract<Principal, { kind: "node" }>;

/** The Hono env of the gateway's routes: the context variables its middleware sets (not the process environment: that is `GatewayEnv` in env.ts). */
export interface HttpEnv {
  Variables: {
    account: AccountPrincipal;
    node: NodePrincipal;
    /** The parsed JSON body, set by `jsonBody`. */
    body: unknown;
    /** Names this request in every log line it causes and in a 5xx answer; set by `requestLog`. */
    requestId: string;
  };
}
