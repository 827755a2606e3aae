import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { until } from "@medusa/testing/until";

/**
 * Services and nodes as separate processes, as Swarm runs them, with what
 * each printed kept per process: the ops tests find each listener's port in
 * its start-up line and time each exit.
 */
const root = resolve(import.meta.dir, "../../..");

export interface FleetProcess {
  name: string;
  proc: Subprocess;
  output: string[];
  /** The ops listener's URL (`MEDUSA_METRICS_PORT=0`), once the process has said it. */
  opsUrl(): Promise<string>;
  /** SIGTERM, then how long the process took to exit and with which code. */
  terminate(): Promise<{ ms: number; code: number | null }>;
}

export class Fleet {
  readonly procs: FleetProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  spawn(name: string, args: string[], env: Record<string, string> = {}): FleetProcess {
    const output: string[] = [];
    const proc = Bun.spawn([process.execPath, ...args], { cwd: root, env: { ...process.env, ...this.env, ...env }, stdout: "pipe", stderr: "pipe" });
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        for await (const chunk of stream) output.push(new TextDecoder().decode(chunk));
      })();
    }
    const said = (pattern: RegExp) => until(() => pattern.exec(output.join(""))?.[1], 60_000, `${name} to start`, { everyMs: 100, context: () => output.join("").slice(-3000) });
    const p: FleetProcess = {
      name,
      proc,
      output,
      opsUrl: () => said(/metrics, health and readiness on (http:\/\/\S+) /),
      async terminate() {
        const started = performance.now();
        proc.kill("SIGTERM");
        const code = await proc.exited;
        return { ms: performance.now() - started, code };
      },
    };
    this.procs.push(p);
    return p;
  }

  /** A service started alone: `services/<service>/src/main.ts`. */
  service(service: string, name = service, env: Record<string, string> = {}): FleetProcess {
    return this.spawn(name, [`services/${service}/src/main.ts`], env);
  }

  /** The tail of every process's output, for a failure message. */
  context(): string {
    return this.procs.map((p) => `--- ${p.name}\n${p.output.join("").slice(-1500)}`).join("\n");
  }

  async close(): Promise<void> {
    for (const p of this.procs) p.proc.kill("SIGKILL");
    await Promise.all(this.procs.map((p) => p.proc.exited));
  }
}
