import { availableParallelism } from "node:os";
import { errorMessage } from "@medusa/core";
import type { NodeAgent } from "../agent/agent.ts";
import { defaultSlots } from "../cli.ts";
import { startNode, type StartNodeOptions } from "../index.ts";
import { NodeControls } from "./controls.ts";
import { gatewayEarnings } from "./earnings.ts";
import { systemIdle, type IdleSource } from "./idle.ts";
import { controlPages, openLocalUi, type LocalUi } from "./server.ts";
import { SettingsFile } from "./settings.ts";

export interface VolunteerOptions extends Omit<StartNodeOptions, "slots" | "maxSlots" | "paused"> {
  /** The --slots flag: wins over the saved setting for this run. */
  slots?: number;
  /** Local UI port on 127.0.0.1 (0 = any free one); null = no UI. */
  uiPort: number | null;
  settingsPath: string;
  /** A local UI already open (it asked for activation): it shows the controls from now on, on the same port. */
  openUi?: LocalUi;
  idle?: IdleSource;
  idleCheckMs?: number;
}

export interface Volunteer {
  agent: NodeAgent;
  controls: NodeControls;
  ui: LocalUi | null;
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/**
 * The node as a volunteer runs it: the agent, the saved settings applied to
 * it live, and the local UI. The runner pool is sized for the whole machine
 * so the CPU cap can be raised without a restart; the agent starts paused and
 * the controls let it go once the settings (and idle rule) allow.
 */
export async function startVolunteer(opts: VolunteerOptions): Promise<Volunteer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const file = new SettingsFile(opts.settingsPath);
  const loaded = await file.load();
  if (loaded.problem) log(`[node] settings: ${loaded.problem}`);
  const settings = opts.slots === undefined ? loaded.settings : { ...loaded.settings, slots: opts.slots };
  const fallback = defaultSlots();
  const maxSlots = Math.max(availableParallelism(), settings.slots ?? 1);
  const slots = Math.min(settings.slots ?? fallback, maxSlots);

  const agent = await startNode({ ...opts, slots, maxSlots, paused: true, log });
  const controls = new NodeControls({
    agent,
    file,
    settings,
    settingsProblem: loaded.problem,
    gateway: opts.gateway,
    defaultSlots: fallback,
    maxSlots,
    idle: opts.idle ?? systemIdle(),
    checkEveryMs: opts.idleCheckMs,
    log,
  });
  await controls.start();

  const pages = controlPages(controls, gatewayEarnings(opts.gateway, opts.token));
  let ui: LocalUi | null = opts.openUi ?? null;
  ui?.show(pages);
  if (!ui && opts.uiPort !== null) {
    try {
      ui = openLocalUi({ port: opts.uiPort });
      ui.show(pages);
      log(`[node] local UI on ${ui.url} (settings in ${file.path})`);
    } catch (err) {
      // A second node on the same computer should still run; it just has no page.
      log(`[node] no local UI: port ${opts.uiPort} is not free (${errorMessage(err)}); use --ui-port`);
    }
  }

  return {
    agent,
    controls,
    ui,
    async stop(stopOpts) {
      ui?.stop();
      controls.stop();
      await agent.stop(stopOpts);
    },
  };
}
