import { lookup } from "node:dns/promises";
import { createServer, isIPv4, type Server, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import PassiveConnector from "ftp-srv/src/connector/passive";
import { addressOf, plainAddress, policyOf, type FtpConnectionLike } from "./server-policy.ts";

/**
 * Passive data connections, replacing ftp-srv's: theirs waits for the TLS
 * handshake before answering 150, while clients (curl, Python's ftplib)
 * start it only after the 150, so every protected transfer timed out
 * (ftp-srv issues #192, #333). Here the data socket is wrapped in TLS as it
 * connects and counts as ready at once; the handshake then runs when the
 * client starts it. Ports come from the configured range, tried in turn.
 */
const IDLE_MS = 30_000;

export class MedusaPassive extends PassiveConnector {
  override type = "passive";
  private static next = new WeakMap<object, number>();

  setupServer(): Promise<Server> {
    this.closeServer();
    const connection = this.connection as FtpConnectionLike;
    const policy = policyOf(connection);
    this.dataSocket = null;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const server = createServer({ pauseOnConnect: true }, (raw) => {
      // Only the client on the control connection may connect: nobody else can take over its transfer.
      if (plainAddress(raw.remoteAddress) !== addressOf(connection)) {
        policy.log(`passive connection from ${raw.remoteAddress} refused: the control connection is from ${addressOf(connection)}`);
        raw.destroy();
        return;
      }
      clearTimeout(idle);
      const socket: Socket & { connected?: boolean } = connection.secure && policy.secureContext ? new TLSSocket(raw, { isServer: true, secureContext: policy.secureContext }) : raw;
      socket.connected = true;
      socket.on("error", (error) => this.server?.emit("client-error", { connection, context: "dataSocket", error }));
      socket.once("close", () => this.closeServer());
      this.dataSocket = socket;
    });
    server.maxConnections = 1;
    server.on("error", (error) => this.server?.emit("client-error", { connection, context: "dataServer", error }));
    server.once("close", () => this.end());
    return this.listenInRange(server, policy.host, policy.pasvPorts).then(() => {
      idle = setTimeout(() => this.closeServer(), IDLE_MS);
      this.dataServer = server;
      return server;
    });
  }

  private async listenInRange(server: Server, host: string, range: { min: number; max: number }): Promise<void> {
    const count = range.max - range.min + 1;
    const start = MedusaPassive.next.get(this.server) ?? 0;
    for (let i = 0; i < count; i++) {
      const port = range.min === 0 ? 0 : range.min + ((start + i) % count);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
          });
        });
        MedusaPassive.next.set(this.server, start + i + 1);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE") throw err;
      }
    }
    throw Object.assign(new Error(`no free passive port in ${range.min}-${range.max}`), { code: 425 });
  }
}

/**
 * The IPv4 address a PASV reply names. A client on this machine gets its
 * own loopback address; any other the configured address (resolved if it is
 * a name, as PASV carries only numbers), or else the address it reached the
 * server on. (EPSV names only a port, so it needs none of this.)
 */
export async function advertisedAddress(client: string, local: string | undefined, configured: string | undefined): Promise<string> {
  if (/^127\./.test(client)) return client;
  if (client === "::1") return "127.0.0.1";
  if (configured) return isIPv4(configured) ? configured : (await lookup(configured, { family: 4 })).address;
  return plainAddress(local);
}
