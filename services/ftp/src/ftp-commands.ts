import { TLSSocket } from "node:tls";
import registry, { type CommandSpec } from "ftp-srv/src/commands/registry";
import formatLs from "ftp-srv/src/helpers/file-stat";
import type { FtpStat } from "./account-fs.ts";
import { isStorageFull } from "./ftp-paths.ts";
import { MedusaPassive } from "./passive.ts";
import { policyOf } from "./server-policy.ts";

/**
 * Where this service changes ftp-srv's commands. Its registry is one object
 * for the process and FEAT reads it, so these replacements apply to every
 * server here and are advertised:
 * - AUTH TLS: ftp-srv lets its plain-text command reader see the client's
 *   TLS hello (under Bun it does, every time), answers it in clear text and
 *   breaks the handshake; here the reader moves to the TLS socket first.
 * - PASV/EPSV: data connections that work with TLS (passive.ts).
 * - USER: refused before the password is sent in clear, when TLS is required.
 * - LIST/NLST: no blank line for an empty folder.
 * - MLSD/MLST: machine-readable listings (RFC 3659), which ftp-srv lacks.
 * - STOR/APPE: a full storage quota is answered 552, not 550.
 */
type Connection = any;

const mdtm = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14);

/** RFC 3659 facts for one entry, then a space and its name. */
function facts(stat: FtpStat, name = stat.name): string {
  const type = stat.isDirectory() ? "type=dir;perm=elcmf;" : `type=file;size=${stat.size};perm=rwdf;`;
  return `${type}modify=${mdtm(stat.mtime)}; ${name}`;
}

function authTls(this: Connection, { command }: { command: { arg: string | null } }) {
  if ((command.arg ?? "").toUpperCase() !== "TLS") return this.reply(504);
  const policy = policyOf(this);
  if (!policy.secureContext) return this.reply(502, "TLS is not configured here");
  if (this.secure) return this.reply(202);
  const raw = this.commandSocket;
  const readers = raw.listeners("data");
  raw.removeAllListeners("data");
  raw.pause();
  return this.reply(234).then(() => {
    const secure = new TLSSocket(raw, { isServer: true, secureContext: policy.secureContext! });
    for (const reader of readers) secure.on("data", reader as (data: Buffer) => void);
    // ftp-srv listens for these on the socket it was given.
    for (const event of ["timeout", "end", "close", "drain", "error"]) secure.on(event, (...args: unknown[]) => raw.emit(event, ...args));
    this.commandSocket = secure;
    this.secure = true;
  });
}

function passive(extended: boolean) {
  return function (this: Connection, { log }: { log: any }) {
    this.connector = new MedusaPassive(this);
    return this.connector
      .setupServer()
      .then(async (server: import("node:net").Server) => {
        const { port } = server.address() as import("node:net").AddressInfo;
        if (extended) return this.reply(229, `EPSV OK (|||${port}|)`);
        const host = (await policyOf(this).pasvAddress(this)).replace(/\./g, ",");
        return this.reply(227, `PASV OK (${host},${(port / 256) | 0},${port % 256})`);
      })
      .catch((err: Error & { code?: number }) => {
        log.error(err);
        return this.reply(typeof err.code === "number" ? err.code : 425, err.message);
      });
  };
}

/**
 * LIST, NLST and MLSD over the data connection. ftp-srv's LIST sends one
 * blank line for an empty folder, which clients show as a nameless entry;
 * these send nothing.
 */
function listing(kind: "LIST" | "NLST" | "MLSD") {
  return function (this: Connection, { log, command }: { log: any; command: { arg: string | null } }) {
    const path = command.arg || ".";
    return this.connector
      .waitForConnection()
      .then(async () => {
        this.commandSocket.pause();
        const stat: FtpStat = await this.fs.get(path);
        if (kind === "MLSD" && !stat.isDirectory()) throw new Error(`${path} is not a folder`);
        const entries: FtpStat[] = stat.isDirectory() ? await this.fs.list(path) : [stat];
        const lines = entries.map((e) => (kind === "NLST" ? e.name : kind === "MLSD" ? facts(e) : formatLs(e, "ls")));
        await this.reply(150);
        const socket = this.connector.socket;
        if (lines.length) await this.reply({}, ...lines.map((message) => ({ raw: true, message, socket })));
        return this.reply(226);
      })
      .catch((err: Error) => {
        log.error(err);
        return this.reply(err.name === "TimeoutError" ? 425 : kind === "MLSD" ? 550 : 451, err.message || "No directory");
      })
      .then(() => {
        this.connector.end();
        this.commandSocket.resume();
      });
  };
}

/** MLST: one entry's facts on the control connection. */
function mlst(this: Connection, { log, command }: { log: any; command: { arg: string | null } }) {
  const path = command.arg || ".";
  return Promise.resolve()
    .then(() => this.fs.get(path))
    .then((stat: FtpStat) => this.reply(250, `Listing ${path}`, { raw: true, message: ` ${facts(stat, path)}` }, "End"))
    .catch((err: Error) => {
      log.error(err);
      return this.reply(550, err.message);
    });
}

/**
 * ftp-srv's STOR (and APPE) answers every failure 550, after emitting the
 * error as a `STOR` event; a full quota, seen there, turns that 550 into 552.
 */
function quotaAware(original: CommandSpec["handler"]): CommandSpec["handler"] {
  return function (this: Connection, args) {
    let full = false;
    const seen = (err: unknown) => void (full ||= isStorageFull(err));
    const reply = this.reply;
    this.on("STOR", seen);
    this.reply = (options: unknown, ...letters: unknown[]) => reply.call(this, full && options === 550 ? 552 : options, ...letters);
    return Promise.resolve(original.call(this, args)).finally(() => {
      this.off("STOR", seen);
      // The connection's own reply is its class's; this one was only for the command.
      delete this.reply;
    });
  };
}

function install(spec: CommandSpec) {
  for (const name of Array.isArray(spec.directive) ? spec.directive : [spec.directive]) registry[name] = spec;
}

const originalUser = registry.USER!.handler;
install({ ...registry.AUTH!, handler: authTls });
install({ ...registry.PASV!, handler: passive(false) });
install({ ...registry.EPSV!, handler: passive(true) });
install({
  ...registry.USER!,
  handler(this: Connection, args) {
    if (policyOf(this).requireTls && !this.secure) return this.reply(530, "this server requires TLS: send AUTH TLS before logging in");
    return originalUser.call(this, args);
  },
});
install({ ...registry.STOR!, handler: quotaAware(registry.STOR!.handler) });
install({ ...registry.APPE!, handler: quotaAware(registry.APPE!.handler) });
install({ ...registry.LIST!, handler: listing("LIST") });
install({ ...registry.NLST!, handler: listing("NLST") });
install({ directive: "MLSD", handler: listing("MLSD"), syntax: "{{cmd}} [<path>]", description: "Machine-readable listing of a folder" });
install({ directive: "MLST", handler: mlst, syntax: "{{cmd}} [<path>]", description: "Machine-readable facts of one entry", flags: { feat: "MLST type*;size*;modify*;perm*;" } });

/** Importing this module installs the commands; this names the import. */
export const MEDUSA_COMMANDS = ["AUTH", "PASV", "EPSV", "USER", "STOR", "APPE", "LIST", "NLST", "MLSD", "MLST"] as const;
