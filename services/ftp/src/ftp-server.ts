import { createSecureContext } from "node:tls";
import { FtpSrv } from "ftp-srv";
import { AccountFiles, call, subjects, type Bus, type FileBlobStore, errorMessage } from "@medusa/core";
import { AccountFileSystem } from "./account-fs.ts";
import "./ftp-commands.ts";
import { advertisedAddress } from "./passive.ts";
import { DEFAULT_LOGIN_POLICY, LoginGuard, type LoginPolicy } from "./login-guard.ts";
import { addressOf, rememberAddress, setPolicy, type FtpConnectionLike } from "./server-policy.ts";

/**
 * The FTP service: ftp-srv with each account's files as its whole world
 * (account-fs.ts), logins checked by the credits service over the bus
 * (email + password or API key), passive mode only, explicit FTPS when a
 * certificate is given.
 */
export interface FtpDeps {
  bus: Bus;
  blobs: FileBlobStore;
  /** Cap on one file, the same as the REST API's. */
  maxFileBytes: number;
  /** What one account may store (files and unfinished uploads), the same as the REST API's; default 10 GiB. */
  quotaBytes?: number;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Passive data ports, inclusive; 0–0 picks free ones. */
  pasvPorts: { min: number; max: number };
  /** What PASV tells clients to connect to (an IPv4 address or a name); by default the address they reached. */
  pasvAddress?: string;
  /** PEM certificate and key: enables AUTH TLS. */
  tls?: { cert: string; key: string };
  /** Refuse logins before AUTH TLS (only with `tls`). */
  requireTls?: boolean;
  loginPolicy?: LoginPolicy;
  log?: (message: string) => void;
  now?: () => number;
}

export interface FtpService {
  /** `ftp://host:port`, with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startFtp(deps: FtpDeps): Promise<FtpService> {
  const log = deps.log ?? ((m: string) => console.log(`[ftp] ${m}`));
  const now = deps.now ?? Date.now;
  if (deps.requireTls && !deps.tls) throw new Error("requireTls needs a certificate (tls)");
  const files = new AccountFiles(deps.blobs, deps.maxFileBytes, deps.quotaBytes);
  const guard = new LoginGuard(deps.loginPolicy ?? DEFAULT_LOGIN_POLICY);
  const signals = ["SIGTERM", "SIGINT", "SIGQUIT"].map((s) => [s, process.listeners(s as NodeJS.Signals)] as const);

  const server = new FtpSrv({
    url: `ftp://${deps.host}:${deps.port}`,
    pasv_url: "unused: PASV is answered by ftp-commands.ts",
    tls: deps.tls ? { cert: deps.tls.cert, key: deps.tls.key } : false,
    anonymous: false,
    greeting: ["Medusa: log in with your account's email and its password or an API key."],
    // Active mode makes the server connect wherever the client says (bounce attacks); SITE is chmod.
    blacklist: ["PORT", "EPRT", "SITE"],
    log: quietLog,
  });
  // Its published types know only some events, and not the net server it listens with.
  const events = server as unknown as import("node:events").EventEmitter & { server: import("node:net").Server };
  // ftp-srv exits the process on these signals by itself; shutdown is the caller's (bounded, in order).
  for (const [signal, before] of signals) {
    for (const listener of process.listeners(signal as NodeJS.Signals)) if (!before.includes(listener)) process.off(signal, listener);
  }

  setPolicy(server, {
    secureContext: deps.tls ? createSecureContext({ cert: deps.tls.cert, key: deps.tls.key }) : null,
    requireTls: deps.requireTls ?? false,
    pasvPorts: deps.pasvPorts,
    host: deps.host,
    log,
    pasvAddress: (connection: FtpConnectionLike) => advertisedAddress(addressOf(connection), connection.commandSocket.localAddress, deps.pasvAddress),
  });

  events.on("connect", ({ connection }: { connection: FtpConnectionLike }) => rememberAddress(connection, connection.commandSocket.remoteAddress));
  events.on("client-error", ({ connection, context, error }: { connection: object; context: string; error: Error }) => {
    if (!["ECONNRESET", "EPIPE"].includes((error as { code?: string }).code ?? "")) log(`${context} error from ${addressOf(connection)}: ${error.message}`);
  });
  events.on("login", ({ connection, username, password }: { connection: FtpConnectionLike & { close(code: number, message: string): unknown }; username: string; password: string }, resolve: (config: object) => void, reject: (err: Error) => void) => {
    void (async () => {
      const address = addressOf(connection);
      const locked = guard.lockedFor(address, now());
      if (locked > 0) {
        log(`login for ${username} from ${address} refused: locked out for ${Math.ceil(locked / 1000)} s after repeated failures`);
        reject(new Error(`too many failed logins from your address; try again in ${Math.ceil(locked / 1000)} s`));
        return;
      }
      if (deps.requireTls && !connection.secure) return reject(new Error("this server requires TLS: send AUTH TLS before logging in"));
      let accountId: string | null;
      try {
        ({ accountId } = await call(deps.bus, subjects.verifyCredentials, { email: username, secret: password }));
      } catch (err) {
        log(`cannot check the login of ${username}: ${errorMessage(err)}`);
        return reject(new Error("logins cannot be checked right now; try again shortly"));
      }
      if (!accountId) {
        const { failures, delayMs, lockedForMs } = guard.failed(address, now());
        log(`failed login for ${username} from ${address} (${failures} in a row${lockedForMs > 0 ? `; locked out for ${Math.ceil(lockedForMs / 1000)} s` : delayMs > 0 ? `; answering after ${delayMs} ms` : ""})`);
        if (delayMs > 0) await Bun.sleep(delayMs);
        return reject(new Error("email or password (or API key) is wrong"));
      }
      const control = () => connection.commandSocket;
      const fs = new AccountFileSystem({ files, owner: accountId, log, connected: () => !control().destroyed && !control().readableEnded });
      resolve({ fs });
    })();
  });

  await server.listen();
  const port = (events.server.address() as import("node:net").AddressInfo).port;
  return {
    url: `ftp://${deps.host}:${port}`,
    port,
    close: () => server.close(),
  };
}

/** ftp-srv logs every refused command as an error; what matters is logged above instead. */
const quietLog = {
  child: () => quietLog,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
};
