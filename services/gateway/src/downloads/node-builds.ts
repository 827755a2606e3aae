import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, NodeBuild, NodeBuildList } from "@medusa/core";

/**
 * The node executables a gateway hands out, from one folder laid out as
 * `npm run build:node -- --all` writes it: `medusa-node-<platform>[.exe]`,
 * `SHA256SUMS` and `VERSION`. Only files SHA256SUMS names are ever served,
 * so no request path reaches anything else in (or outside) the folder.
 *
 * With a `build` function (the embedded stack), a folder without builds, or
 * with builds of another version than `expectedVersion`, is built on the
 * first request, in the background: until it is done every request is told
 * to come back (NodeBuildsBusy), and start-up never waits for it.
 */

export interface NodeBuildsOptions {
  dir: string;
  /** Makes the host's build in `dir` (SHA256SUMS and VERSION included). */
  build?: () => Promise<void>;
  /** The version `build` would make; a folder holding another one is rebuilt. */
  expectedVersion?: string;
  log?: (line: string) => void;
  /** A failed build is tried again on a request after this long (default 60 s). */
  retryFailedMs?: number;
  now?: () => number;
}

/** Thrown while a build is under way (or failed lately): answer 503 with Retry-After. */
export class NodeBuildsBusy extends Error {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

const SUMS_LINE = /^([0-9a-f]{64}) [ *]([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const PLATFORM_OF = /^medusa-node-([a-z0-9]+-[a-z0-9]+)(?:\.exe)?$/;

export class NodeBuilds {
  #building: Promise<void> | null = null;
  #failedAt: number | null = null;
  #version: { value: string | null; at: number } | null = null;
  readonly #now: () => number;

  constructor(readonly opts: NodeBuildsOptions) {
    this.#now = opts.now ?? Date.now;
  }

  /**
   * The version on offer (what connecting nodes are told is current): the
   * folder's VERSION, else the one a build would make, else null. Read
   * synchronously, since it goes into a welcome frame that must leave first,
   * and kept for a few seconds: nodes may connect by the hundred.
   */
  currentVersion(): string | null {
    const now = this.#now();
    if (this.#version && now - this.#version.at < 5_000) return this.#version.value;
    let text: string | null = null;
    try {
      text = readFileSync(join(this.opts.dir, "VERSION"), "utf8").trim() || null;
    } catch {}
    const value = text ?? this.opts.expectedVersion ?? null;
    this.#version = { value, at: now };
    return value;
  }

  /** Every build with its checksum; throws NodeBuildsBusy while one is being made. */
  async list(): Promise<NodeBuildList> {
    await this.#ready();
    const sums = await this.#sums();
    const builds: NodeBuild[] = [];
    for (const [file, sha256] of sums) {
      const platform = PLATFORM_OF.exec(file)?.[1];
      const size = await stat(join(this.opts.dir, file)).then((s) => s.size, () => null);
      if (platform && size !== null) builds.push({ platform, file, size, sha256, url: `/downloads/${file}` });
    }
    this.#version = null;
    return { version: this.currentVersion(), builds, checksums: "/downloads/SHA256SUMS" };
  }

  /** The path of a file that may be served (a listed build, SHA256SUMS or VERSION), or null. */
  async path(name: string): Promise<string | null> {
    await this.#ready();
    if (name === "SHA256SUMS" || name === "VERSION") return (await this.#exists(name)) ? join(this.opts.dir, name) : null;
    const sums = await this.#sums();
    return sums.has(name) && (await this.#exists(name)) ? join(this.opts.dir, name) : null;
  }

  async #sums(): Promise<Map<string, string>> {
    const text = await readFile(join(this.opts.dir, "SHA256SUMS"), "utf8").catch(() => "");
    const sums = new Map<string, string>();
    for (const line of text.split("\n")) {
      const m = SUMS_LINE.exec(line.trim());
      if (m) sums.set(m[2]!, m[1]!);
    }
    return sums;
  }

  #exists(name: string): Promise<boolean> {
    return stat(join(this.opts.dir, name)).then((s) => s.isFile(), () => false);
  }

  /** Starts a build when one is due and says to come back while it runs. */
  async #ready(): Promise<void> {
    const { build, expectedVersion } = this.opts;
    if (!build) return;
    if (!this.#building) {
      const current = await readFile(join(this.opts.dir, "VERSION"), "utf8").then((t) => t.trim(), () => null);
      const due = current === null || (expectedVersion !== undefined && current !== expectedVersion);
      if (!due) return;
    }
    // Checked again after the read: another request may have started the build meanwhile.
    if (!this.#building) {
      const retryMs = this.opts.retryFailedMs ?? 60_000;
      if (this.#failedAt !== null && this.#now() - this.#failedAt < retryMs) {
        throw new NodeBuildsBusy("the node build failed; the gateway's log says why, and it is tried again shortly", Math.ceil(retryMs / 1000));
      }
      this.opts.log?.(`building the node executable for this computer into ${this.opts.dir}`);
      this.#building = build().then(
        () => {
          this.#failedAt = null;
          this.opts.log?.("node executable built");
        },
        (err) => {
          this.#failedAt = this.#now();
          this.opts.log?.(`node build failed: ${errorMessage(err)}`);
        },
      ).finally(() => (this.#building = null));
    }
    throw new NodeBuildsBusy("the node executable for this gateway is being built; try again in a few seconds", 10);
  }

  /** Resolves when no build is running (for tests and shutdown). */
  async settled(): Promise<void> {
    await this.#building;
  }
}
