import { z } from "zod";
import { safeParseHumane } from "@medusa/core";
import type { AgentStatus } from "../agent/agent.ts";
import { buildFile, hostPlatform } from "../../build/targets.ts";
import { isOlderVersion } from "../version.ts";
import type { IdleSource } from "./idle.ts";
import { InvalidSetting, NodeSettings, SettingsPatch, type SettingsFile } from "./settings.ts";

/** What the controls need from the agent (NodeAgent in production). */
export interface ControlledAgent {
  status(): AgentStatus;
  pause(): void;
  resume(): void;
  setSlots(slots: number): void;
}

/** The local UI's view of the node; every field is what the node itself knows. */
export const LocalStatus = z.object({
  gateway: z.string(),
  connected: z.boolean(),
  nodeId: z.string().nullable(),
  sandbox: z.string(),
  /** Running or not, and why not. */
  activity: z.enum(["running", "paused", "waiting-for-idle", "stopping"]),
  settings: NodeSettings,
  slots: z.object({ current: z.number().int(), max: z.number().int() }),
  chunks: z.object({ running: z.number().int(), queued: z.number().int(), doneToday: z.number().int(), failedSinceStart: z.number().int() }),
  countingSince: z.string(),
  idle: z.object({ source: z.string(), idleMs: z.number().nullable() }),
  settingsProblem: z.string().optional(),
  version: z.string(),
  /** Set when the gateway offers a newer node: where to get it (the node never replaces itself). */
  update: z.object({ version: z.string(), download: z.string().nullable(), page: z.string() }).nullable(),
});
export type LocalStatus = z.infer<typeof LocalStatus>;

export interface NodeControlsOptions {
  agent: ControlledAgent;
  file: SettingsFile;
  settings: NodeSettings;
  /** A problem met loading the settings file, shown in the UI until the next save. */
  settingsProblem?: string;
  /** Slots when the settings name none (the --slots flag or cores − 1). */
  defaultSlots: number;
  /** The most the runner pool can run at once. */
  maxSlots: number;
  idle: IdleSource;
  /** How often idle time is read while a rule needs it (default 10 s). */
  checkEveryMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/** Local midnight of the day `ms` falls in. */
const dayStart = (ms: number) => new Date(ms).setHours(0, 0, 0, 0);

/**
 * Applies the volunteer's settings to the running agent, live: pause,
 * slot cap, and the "only when idle" rule re-checked on a timer. Every change
 * is saved before it is applied, so what the UI shows is what a restart gets.
 */
export class NodeControls {
  #settings: NodeSettings;
  #problem: string | undefined;
  #idleMs: number | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #saving: Promise<unknown> = Promise.resolve();
  #day: number;
  #doneAtDayStart = 0;
  #countingSince: number;
  #lastIdleVerdict: boolean | null = null;
  readonly #now: () => number;

  constructor(private readonly opts: NodeControlsOptions) {
    this.#settings = opts.settings;
    this.#problem = opts.settingsProblem;
    this.#now = opts.now ?? Date.now;
    this.#countingSince = this.#now();
    this.#day = dayStart(this.#countingSince);
  }

  /** Reads idle time once, applies the settings, then keeps re-checking. */
  async start(): Promise<this> {
    await this.tick();
    this.#timer ??= setInterval(() => void this.tick(), this.opts.checkEveryMs ?? 10_000);
    return this;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One round of the timer: roll the day counter, read idle time if a rule needs it, apply. */
  async tick(): Promise<void> {
    this.#rollDay();
    if (this.#settings.idleMinutes > 0) this.#idleMs = await this.opts.idle.idleMs().catch(() => null);
    this.#apply();
  }

  async update(patch: unknown): Promise<LocalStatus> {
    const parsed = safeParseHumane(SettingsPatch, patch);
    if (!parsed.success) throw InvalidSetting.from(parsed.error);
    const next: NodeSettings = { ...this.#settings, ...parsed.data };
    if (next.slots !== undefined && next.slots > this.opts.maxSlots) {
      throw new InvalidSetting("slots", `must be at most ${this.opts.maxSlots} on this computer`);
    }
    const save = this.#saving.then(() => this.opts.file.save(next));
    this.#saving = save.catch(() => {});
    await save;
    this.#settings = next;
    this.#problem = undefined;
    await this.tick();
    return this.status();
  }

  status(): LocalStatus {
    this.#rollDay();
    const a = this.opts.agent.status();
    return {
      gateway: a.gateway,
      connected: a.connected,
      nodeId: a.nodeId,
      sandbox: a.sandbox,
      activity: a.stopping ? "stopping" : this.#settings.paused ? "paused" : this.#idleAllows() ? "running" : "waiting-for-idle",
      settings: this.#settings,
      slots: { current: a.slots, max: this.opts.maxSlots },
      chunks: { running: a.running, queued: a.queued, doneToday: a.chunksDone - this.#doneAtDayStart, failedSinceStart: a.chunksFailed },
      countingSince: new Date(Math.max(this.#countingSince, this.#day)).toISOString(),
      idle: { source: this.opts.idle.name, idleMs: this.#settings.idleMinutes > 0 ? this.#idleMs : null },
      ...(this.#problem ? { settingsProblem: this.#problem } : {}),
      version: a.version,
      update: this.#update(a.gateway, a.version, a.offeredVersion),
    };
  }

  #update(gateway: string, mine: string, offered: string | null): LocalStatus["update"] {
    if (!offered || !isOlderVersion(mine, offered)) return null;
    const platform = hostPlatform();
    const base = gateway.replace(/\/+$/, "");
    return { version: offered, download: platform ? `${base}/downloads/${buildFile(platform)}` : null, page: `${base}/nodes` };
  }

  #idleAllows(): boolean {
    const minutes = this.#settings.idleMinutes;
    // Unknown idle time counts as "in use": the volunteer asked not to be disturbed.
    return minutes === 0 || (this.#idleMs !== null && this.#idleMs >= minutes * 60_000);
  }

  #apply(): void {
    const agent = this.opts.agent;
    const slots = Math.min(this.#settings.slots ?? this.opts.defaultSlots, this.opts.maxSlots);
    if (agent.status().slots !== slots) agent.setSlots(slots);
    const idleAllows = this.#idleAllows();
    if (this.#settings.idleMinutes > 0 && idleAllows !== this.#lastIdleVerdict) {
      const idleFor = this.#idleMs === null ? "unknown" : `${Math.floor(this.#idleMs / 60_000)} min`;
      this.opts.log?.(`[node] computer idle for ${idleFor} (${this.opts.idle.name}): ${idleAllows ? "may run" : "waiting"}`);
    }
    this.#lastIdleVerdict = this.#settings.idleMinutes > 0 ? idleAllows : null;
    if (!this.#settings.paused && idleAllows) agent.resume();
    else agent.pause();
  }

  #rollDay(): void {
    const today = dayStart(this.#now());
    if (today === this.#day) return;
    this.#day = today;
    this.#doneAtDayStart = this.opts.agent.status().chunksDone;
  }
}
