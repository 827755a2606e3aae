import type { SecureContext } from "node:tls";

/**
 * What this service's replacements of ftp-srv commands need to know about
 * the server a connection belongs to. ftp-srv's command registry is one
 * object for the whole process, so its handlers find their server's policy
 * here, by the server object.
 */
export interface ServerPolicy {
  /** Set when a certificate is configured: AUTH TLS and protected data connections. */
  secureContext: SecureContext | null;
  /** Refuse USER/PASS until the control connection is encrypted. */
  requireTls: boolean;
  /** Inclusive; 0–0 means any free port. */
  pasvPorts: { min: number; max: number };
  /** The IPv4 address PASV tells this client to connect to. */
  pasvAddress(connection: FtpConnectionLike): Promise<string>;
  /** Interface passive data connections listen on. */
  host: string;
  log(message: string): void;
}

/** The parts of ftp-srv's connection object these handlers use. */
export interface FtpConnectionLike {
  server: object;
  commandSocket: import("node:net").Socket;
  secure: boolean;
  reply(options: number | object, ...letters: unknown[]): Promise<unknown>;
}

const policies = new WeakMap<object, ServerPolicy>();
/** The remote address each connection came from, read before any TLS wrapping (Bun's TLS socket may not report it). */
const addresses = new WeakMap<object, string>();

export const setPolicy = (server: object, policy: ServerPolicy) => policies.set(server, policy);

export function policyOf(connection: FtpConnectionLike): ServerPolicy {
  const policy = policies.get(connection.server);
  if (!policy) throw new Error("ftp-srv server without a Medusa policy");
  return policy;
}

export const rememberAddress = (connection: object, address: string | undefined) => addresses.set(connection, plainAddress(address));
export const addressOf = (connection: object) => addresses.get(connection) ?? "unknown";

/** `::ffff:1.2.3.4` and `1.2.3.4` are one client. */
export const plainAddress = (address: string | undefined) => (address ?? "").replace(/^::ffff:/i, "");
