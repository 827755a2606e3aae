import type { Subprocess } from "bun";
import { resolve } from "node:path";
import { until } from "./until.ts";

/**
 * A fleet of Medusa processes on one machine, as Swarm would run them:
 * each service and node a separate process, started, SIGKILLed and started
 * again by name. The repository's entry points are run by path, so only
 * tests depend on this.
 */
export type Role = "credits" | "scheduler" | "splitter" | "gateway" | "node";

/** The line each role prints once it serves (nodes: once connected). */
const READY: Record<Role, string> = {
  credits: "[credits] serving",
  scheduler: "[scheduler] ready",
  splitter: "[splitter] serving",
  gateway: "[gateway] listening",
  node: "[node] connected as",
};

const ROOT = resolve(import.meta.dir, "../../..");

interface Member {
  role: Role;
  args: string[];
  env: Record<string, string>;
  proc: Subprocess;
  /** What this run of the process printed (a restart starts afresh). */
  output: string[];
}

export class Fleet {
  private readonly members = new Map<string, Member>();
  /** Every line of every process, prefixed with its name: the context of a failure. */
  private readonly all: string[] = [];

  constructor(private readonly env: Record<string, string>) {}

  /** Starts `name` as `role` and waits for its ready line. */
  async start(name: string, role: Role, opts: { args?: string[]; env?: Record<string, string>; readyMs?: number } = {}): Promise<void> {
    const member = this.spawn(name, role, opts.args ?? [], opts.env ?? {});
    await this.ready(name, member, opts.readyMs);
  }

  /** SIGKILLs `name` and waits for it to exit. */
  async kill(name: string): Promise<void> {
    const member = this.member(name);
    member.proc.kill("SIGKILL");
    await member.proc.exited;
  }

  /**
   * Starts `name` again as it was started, and waits for it to be ready; like
   * Swarm's restart policy, a start that exits first is tried again (a node
   * whose sandbox probe times out on an overloaded machine exits 1), up to
   * `attempts` times.
   */
  async restart(name: string, opts: { readyMs?: number; attempts?: number } = {}): Promise<void> {
    const { role, args, env } = this.member(name);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ready(name, this.spawn(name, role, args, env), opts.readyMs ?? (role === "node" ? 150_000 : undefined));
      } catch (err) {
        if (attempt >= (opts.attempts ?? 3) || this.member(name).proc.exitCode === null) throw err;
      }
    }
  }

  /** The names of `role`'s members. */
  named(role: Role): string[] {
    return [...this.members].filter(([, m]) => m.role === role).map(([name]) => name);
  }

  /** Whether this run of `name` printed a line containing each of `parts`. */
  printed(name: string, ...parts: string[]): boolean {
    return this.member(name).output.join("").split("\n").some((line) => parts.every((p) => line.includes(p)));
  }

  /** Every line any process printed that contains `text` (a request id, say), with its process's name. */
  grep(text: string): string[] {
    return this.all.join("").split("\n").filter((line) => line.includes(text));
  }

  /** The last `chars` of everything printed, for a failure's message. */
  tail(chars = 6000): string {
    return this.all.join("").slice(-chars);
  }

  async stop(): Promise<void> {
    for (const m of this.members.values()) m.proc.kill("SIGKILL");
    await Promise.all([...this.members.values()].map((m) => m.proc.exited));
  }

  private spawn(name: string, role: Role, args: string[], env: Record<string, string>): Member {
    const entry = role === "node" ? "node/src/main.ts" : `services/${role}/src/main.ts`;
    const proc = Bun.spawn([process.execPath, entry, ...args], { cwd: ROOT, env: { ...process.env, ...this.env, ...env }, stdout: "pipe", stderr: "pipe" });
    const member: Member = { role, args, env, proc, output: [] };
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) {
          const text = decoder.decode(chunk);
          member.output.push(text);
          this.all.push(`[${name}] ${text}`);
        }
      })();
    }
    this.members.set(name, member);
    return member;
  }

  /** Resolves once `member` printed its ready line; rejects at once if it exits first. */
  private async ready(name: string, member: Member, ms = 90_000): Promise<void> {
    const exited = member.proc.exited.then((code) => {
      throw new Error(`${name} exited with ${code} before it was ready\n${this.tail()}`);
    });
    const started = until(() => member.output.join("").includes(READY[member.role]), ms, `${name} to start`, { everyMs: 100, context: () => this.tail() });
    await Promise.race([started, exited]);
    exited.catch(() => {});
  }

  private member(name: string): Member {
    const member = this.members.get(name);
    if (!member) throw new Error(`no fleet member ${name}`);
    return member;
  }
}
