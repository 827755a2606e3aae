import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@medusa/testing/until";
import { MedusaClient } from "@medusa/client";

const SERVE = join(import.meta.dir, "..", "src", "serve.ts");

/**
 * `npm run serve` as a child process, the way an operator runs it: every
 * service and the local nodes in one process, so a crash anywhere in it shows
 * as the process gone. Its output is kept for the failure message.
 */
export class StackProcess {
  readonly output: string[] = [];
  private constructor(
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    private readonly dir: string,
  ) {
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) this.output.push(...decoder.decode(chunk, { stream: true }).split("\n").filter(Boolean));
      })();
    }
  }

  /** Starts the stack with `env` on a free port; `wrap` prefixes the command (e.g. `nice`). */
  static start(env: Record<string, string>, wrap: string[] = []): StackProcess {
    const dir = mkdtempSync(join(tmpdir(), "medusa-stack-process-"));
    const proc = Bun.spawn([...wrap, process.execPath, SERVE], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_PORT: "0", MEDUSA_LOG_LEVEL: "warn", ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    return new StackProcess(proc, dir);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  tail = (): string => `stack output:\n${this.output.slice(-40).join("\n")}`;

  /** The URL the stack printed once it was serving. */
  async url(ms = 120_000): Promise<string> {
    return until(() => {
      if (!this.alive) throw new Error(`the stack exited (${this.proc.exitCode ?? this.proc.signalCode})`);
      return this.output.map((line) => /Medusa is serving on (http:\/\/\S+)/.exec(line)?.[1]).find(Boolean);
    }, ms, "the stack serving", { context: this.tail, everyMs: 100 });
  }

  /** A fresh consumer account on the stack. */
  async consumer(email = "consumer@example.com"): Promise<MedusaClient> {
    const anon = new MedusaClient(await this.url());
    return anon.withKey((await anon.signUp(email, "a long password")).apiKey);
  }

  /** SIGTERM, then SIGKILL if it lingers; the data folder goes with it. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.proc.kill("SIGTERM");
      const killer = setTimeout(() => this.proc.kill("SIGKILL"), 15_000);
      await this.proc.exited;
      clearTimeout(killer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
