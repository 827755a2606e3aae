// Types for the parts of ftp-srv's CommonJS internals this service extends
// (its published types cover only the public API).
declare module "ftp-srv/src/commands/registry" {
  export interface CommandSpec {
    directive: string | string[];
    handler: (this: any, args: { log: any; command: { directive: string; arg: string | null; flags: string[]; raw: string } }) => unknown;
    syntax?: string;
    description?: string;
    flags?: { no_auth?: boolean; feat?: string };
  }
  const registry: Record<string, CommandSpec>;
  export default registry;
}

declare module "ftp-srv/src/connector/passive" {
  import type { Server, Socket } from "node:net";
  export default class PassiveConnector {
    constructor(connection: any);
    connection: any;
    dataSocket: (Socket & { connected?: boolean }) | null;
    dataServer: Server | null;
    type: string;
    readonly server: any;
    readonly log: any;
    waitForConnection(opts?: { timeout?: number; delay?: number }): Promise<Socket>;
    closeSocket(): void;
    closeServer(): void;
    end(): void;
  }
}

declare module "ftp-srv/src/helpers/file-stat" {
  /** One LIST line (`ls -l` style) for a stat-like entry. */
  export default function formatLs(stat: object, format: "ls" | "ep"): string;
}
