import { errorMessage } from "@medusa/core";

/** One dependency to ask: resolves when it answers, throws (or never settles) when it does not. */
export type Probe = () => Promise<unknown> | unknown;

export interface ReadinessReport {
  ready: boolean;
  /** Whether this process is stopping (SIGTERM): it takes no new work, whatever its dependencies say. */
  draining: boolean;
  /** Each dependency by name: "ok", or why it is not. */
  checks: Record<string, string>;
}

/**
 * What `/readyz` answers: every probe passes within `timeoutMs` and the
 * process is not draining. A hung dependency counts as down rather than
 * hanging the orchestrator's probe.
 */
export class Readiness {
  private drainingSince: number | null = null;

  constructor(
    private readonly probes: Record<string, Probe>,
    private readonly timeoutMs = 2_000,
  ) {}

  /** From now on the process is not ready: load balancers and `docker service` stop sending it work. */
  drain(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  async report(): Promise<ReadinessReport> {
    const names = Object.keys(this.probes);
    const outcomes = await Promise.all(names.map((name) => this.ask(this.probes[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, outcomes[i]!]));
    return { ready: !this.draining && outcomes.every((o) => o === "ok"), draining: this.draining, checks };
  }

  private async ask(probe: Probe): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(probe).then(() => "ok", (err: unknown) => `down: ${errorMessage(err)}`), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
