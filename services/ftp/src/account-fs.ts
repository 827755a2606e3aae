import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { MedusaError, type AccountFiles } from "@medusa/core";
import { clientPath, FtpPathError, FtpStorageFull, resolveFtpPath } from "./ftp-paths.ts";
import { UploadSink } from "./upload-sink.ts";

/** How long a finished upload waits for a sign that its client is gone before it becomes a file. */
const CLIENT_GONE_CHECK_MS = 50;

/**
 * ftp-srv's FileSystem, over an account's files instead of a disk folder:
 * `/` is the top of the account's files, every name goes through
 * resolveFtpPath and then AccountFiles (which builds every key from the
 * owner), so no client path can name anything of another account or on the
 * disk. ftp-srv turns a thrown error into a 5xx reply carrying its message.
 *
 * The store has files, not folders: a folder is there while a file is under
 * it. MKD makes an empty one for this session so clients can create a tree
 * and upload into it; one still empty at logout is not kept.
 *
 * An upload interrupted before it ended (an error on the data connection,
 * or the client gone) is a pending upload: SIZE, MDTM and LIST show it at
 * its current size so `REST`/`APPE` resume it, while the REST API and jobs
 * still see the previous file (or none) until it completes.
 */
export interface FtpStat {
  name: string;
  size: number;
  mtime: Date;
  mode: number;
  isDirectory(): boolean;
}

export interface AccountFsDeps {
  files: AccountFiles;
  owner: string;
  /** Whether the client's control connection is still open (an upload whose client left is not committed). */
  connected: () => boolean;
  log: (message: string) => void;
}

const fileStat = (name: string, size: number, mtime: number): FtpStat => ({ name, size, mtime: new Date(mtime), mode: 0o644, isDirectory: () => false });
const dirStat = (name: string, mtime: number): FtpStat => ({ name, size: 0, mtime: new Date(mtime), mode: 0o755, isDirectory: () => true });
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const under = (folder: string) => (folder === "" ? "" : `${folder}/`);

export class AccountFileSystem {
  private cwd = "";
  /** Folders made with MKD that hold no file yet. */
  private readonly madeDirs = new Set<string>();

  constructor(private readonly deps: AccountFsDeps) {}

  currentDirectory(): string {
    return clientPath(this.cwd);
  }

  get(name: string): Promise<FtpStat> {
    return this.guard(name, async () => {
      const path = resolveFtpPath(this.cwd, name);
      const found = await this.lookup(path);
      if (!found) throw new FtpPathError(`${clientPath(path)}: no such file or folder`);
      return found;
    });
  }

  list(name = "."): Promise<FtpStat[]> {
    return this.guard(name, async () => {
      const folder = resolveFtpPath(this.cwd, name);
      const { files, pending } = await this.contents(folder);
      const entries = new Map<string, FtpStat>();
      const prefix = under(folder);
      for (const dir of this.madeDirs) {
        if (dir.startsWith(prefix) && !dir.slice(prefix.length).includes("/")) entries.set(dir.slice(prefix.length), dirStat(baseName(dir), Date.now()));
      }
      for (const { path, size, mtime } of [...files, ...pending]) {
        const rest = path.slice(prefix.length);
        const slash = rest.indexOf("/");
        if (slash >= 0) {
          const dir = rest.slice(0, slash);
          const seen = entries.get(dir);
          if (!seen || seen.mtime.getTime() < mtime) entries.set(dir, dirStat(dir, mtime));
        } else {
          // A pending upload shows over the finished file it will replace: that is what REST resumes.
          entries.set(rest, fileStat(rest, size, mtime));
        }
      }
      return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    });
  }

  chdir(name = "."): Promise<string> {
    return this.guard(name, async () => {
      const path = resolveFtpPath(this.cwd, name);
      if (!(await this.lookup(path))?.isDirectory()) throw new FtpPathError(`${clientPath(path)} is not a folder`);
      this.cwd = path;
      return this.currentDirectory();
    });
  }

  write(name: string, opts: { append?: boolean; start?: number } = {}): Promise<{ stream: UploadSink; clientPath: string }> {
    return this.guard(name, async () => {
      const { files, owner } = this.deps;
      const path = resolveFtpPath(this.cwd, name);
      if (path === "" || (await this.lookup(path))?.isDirectory()) throw new FtpPathError(`${clientPath(path)} is a folder`);
      let offset = 0;
      let fromFile = false;
      if (opts.append || opts.start) {
        const pending = await files.pending(owner, path);
        const done = pending ? null : await files.stat(owner, path);
        const have = pending?.size ?? done?.size ?? 0;
        offset = opts.append ? have : opts.start!;
        if (offset > have) throw new FtpPathError(`cannot restart at byte ${offset}: ${clientPath(path)} has ${have}`);
        fromFile = !pending && done !== null && offset > 0;
      }
      const stream = new UploadSink(
        (body) => files.writePiece(owner, path, body, { offset, fromFile }),
        async () => {
          // In FTP's stream mode closing the data connection is how an upload ends, and a client killed mid-upload
          // closes it too, with its control connection at the same moment: wait for the event loop to read that one
          // before taking the bytes for a whole file (committing at once made a cut upload a file, seen at load 2).
          await sleep(CLIENT_GONE_CHECK_MS);
          if (!this.deps.connected()) throw new Error("the client left before the upload ended: it stays pending, resume it with REST");
          const file = await files.finish(owner, path);
          this.forgetMadeDirs(path);
          this.deps.log(`stored /${path} (${file.size} bytes) for ${owner}`);
        },
      );
      return { stream, clientPath: clientPath(path) };
    });
  }

  read(name: string, opts: { start?: number } = {}): Promise<{ stream: Readable; clientPath: string }> {
    return this.guard(name, async () => {
      const { files, owner } = this.deps;
      const path = resolveFtpPath(this.cwd, name);
      const info = path === "" ? null : await files.stat(owner, path);
      if (!info) {
        const pending = path === "" ? null : await files.pending(owner, path);
        if (pending) throw new FtpPathError(`${clientPath(path)} is still being uploaded (${pending.size} bytes so far): resume it with REST ${pending.size} and STOR`);
        throw new FtpPathError(`${clientPath(path)}: no such file`);
      }
      const start = opts.start ?? 0;
      if (start > info.size) throw new FtpPathError(`cannot restart at byte ${start}: ${clientPath(path)} has ${info.size}`);
      const body = await files.read(owner, path, start);
      if (!body) throw new FtpPathError(`${clientPath(path)}: no such file`);
      return { stream: Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>), clientPath: clientPath(path) };
    });
  }

  /** DELE and RMD both land here: a file (or pending upload) goes; a folder only when empty. */
  delete(name: string): Promise<void> {
    return this.guard(name, async () => {
      const { files, owner } = this.deps;
      const path = resolveFtpPath(this.cwd, name);
      const found = path === "" ? dirStat("", 0) : await this.lookup(path);
      if (!found) throw new FtpPathError(`${clientPath(path)}: no such file or folder`);
      if (!found.isDirectory()) {
        await files.delete(owner, path);
        return;
      }
      const { files: inside, pending } = await this.contents(path);
      if (path === "" || inside.length + pending.length > 0 || [...this.madeDirs].some((d) => d.startsWith(`${path}/`))) {
        throw new FtpPathError(`${clientPath(path)} is not empty`);
      }
      this.madeDirs.delete(path);
    });
  }

  mkdir(name: string): Promise<string> {
    return this.guard(name, async () => {
      const path = resolveFtpPath(this.cwd, name);
      if (path === "" || (await this.lookup(path))) throw new FtpPathError(`${clientPath(path)} already exists`);
      for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) {
        if ((await this.lookup(path.slice(0, at)))?.isDirectory() === false) throw new FtpPathError(`${clientPath(path.slice(0, at))} is a file`);
      }
      this.madeDirs.add(path);
      return clientPath(path);
    });
  }

  /** RNFR/RNTO: a file replaces any file at the target; a folder moves only to a name that is free. */
  rename(from: string, to: string): Promise<void> {
    return this.guard(from, async () => {
      const { files, owner } = this.deps;
      const source = resolveFtpPath(this.cwd, from);
      const target = resolveFtpPath(this.cwd, to);
      const found = source === "" ? null : await this.lookup(source);
      if (!found) throw new FtpPathError(`${clientPath(source)}: no such file or folder`);
      const there = target === "" ? dirStat("", 0) : await this.lookup(target);
      if (!found.isDirectory()) {
        if (there?.isDirectory()) throw new FtpPathError(`${clientPath(target)} is a folder`);
        if (!(await files.move(owner, source, target))) throw new FtpPathError(`${clientPath(source)} is still being uploaded`);
        return;
      }
      if (there) throw new FtpPathError(`${clientPath(target)} already exists`);
      if (target.startsWith(`${source}/`)) throw new FtpPathError(`cannot move ${clientPath(source)} into itself`);
      const { files: inside, pending } = await this.contents(source);
      if (pending.length > 0) throw new FtpPathError(`${clientPath(pending[0]!.path)} is still being uploaded`);
      for (const file of inside) await files.move(owner, file.path, target + file.path.slice(source.length));
      for (const dir of [...this.madeDirs]) {
        if (dir === source || dir.startsWith(`${source}/`)) {
          this.madeDirs.delete(dir);
          this.madeDirs.add(target + dir.slice(source.length));
        }
      }
    });
  }

  getUniqueName(): string {
    return randomUUID().replace(/-/g, "");
  }

  /** A file, a pending upload or a folder at `path`, or null. */
  private async lookup(path: string): Promise<FtpStat | null> {
    if (path === "") return dirStat("", Date.now());
    const { files, owner } = this.deps;
    const pending = await files.pending(owner, path);
    if (pending) return fileStat(baseName(path), pending.size, pending.modifiedAt);
    const info = await files.stat(owner, path);
    if (info) return fileStat(baseName(path), info.size, (await files.modifiedAt(owner, path)) ?? Date.now());
    if (this.madeDirs.has(path)) return dirStat(baseName(path), Date.now());
    const { files: inside, pending: uploading } = await this.contents(path);
    const latest = Math.max(0, ...[...inside, ...uploading].map((f) => f.mtime));
    return inside.length + uploading.length > 0 ? dirStat(baseName(path), latest) : null;
  }

  /** Everything under a folder, at any depth, with modification times. */
  private async contents(folder: string) {
    const { files, owner } = this.deps;
    const [done, pending] = await Promise.all([files.list(owner, folder), files.pendingUnder(owner, folder)]);
    const withTimes = await Promise.all(done.map(async (f) => ({ path: f.path, size: f.size, mtime: (await files.modifiedAt(owner, f.path)) ?? Date.now() })));
    return { files: withTimes, pending: pending.map((p) => ({ path: p.path, size: p.size, mtime: p.modifiedAt })) };
  }

  /** A stored file makes its folders real: they need not be remembered any more. */
  private forgetMadeDirs(path: string): void {
    for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) this.madeDirs.delete(path.slice(0, at));
  }

  /**
   * Errors as the client should read them: path refusals and the store's
   * expected failures in the client's terms (the store's own messages name
   * internal keys); anything else is logged and answered "internal error".
   */
  private async guard<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof FtpPathError) throw err;
      const shown = JSON.stringify(String(name).slice(0, 80));
      if (err instanceof MedusaError) {
        if (err.code === "insufficient_storage") throw new FtpStorageFull(err.message);
        if (err.code === "payload_too_large" || (err.code === "conflict" && err.message.includes("byte"))) throw new FtpPathError(err.message);
        if (err.code === "invalid_field" && /^(path|from|to): /.test(err.message)) throw new FtpPathError(`${shown}: ${err.message.replace(/^\w+: /, "")}`);
        if (err.code === "invalid_field") throw new FtpPathError(`${shown} is not allowed here`);
        if (err.code === "conflict") throw new FtpPathError(`${shown}: a file and a folder cannot share a name`);
        if (err.code === "not_found") throw new FtpPathError(`${shown}: no such file`);
      }
      this.deps.log(`internal error on ${shown}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      throw new Error("internal error");
    }
  }
}
