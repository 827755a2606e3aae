import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";

/**
 * What the volunteer controls from the local UI, kept in one JSON file so a
 * restart comes back as they left it. Unknown or broken files are not fatal:
 * the node says so and starts from defaults (and rewrites the file on the next
 * change), because a volunteer must never be locked out by a bad edit.
 */
export const MAX_IDLE_MINUTES = 24 * 60;

export const NodeSettings = z.object({
  v: z.literal(1).default(1),
  paused: z.boolean().default(false),
  /** Chunks run at once; absent means "the --slots flag or the default". */
  slots: z.number().int().min(1).max(256).optional(),
  /** Run only once keyboard and mouse have been idle this long; 0 = always. */
  idleMinutes: z.number().int().min(0).max(MAX_IDLE_MINUTES).default(0),
});
export type NodeSettings = z.infer<typeof NodeSettings>;

/** A change from the UI: any subset of the settings, nothing else. */
export const SettingsPatch = z
  .object({
    paused: z.boolean(),
    slots: z.number().int().min(1).max(256),
    idleMinutes: z.number().int().min(0).max(MAX_IDLE_MINUTES),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/**
 * A change the UI asked for that is not allowed: `field` names the setting,
 * `reason` says what is wrong with it, and the message joins the two once.
 */
export class InvalidSetting extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }

  static from(error: z.ZodError): InvalidSetting {
    const issue = error.issues[0]!;
    const field = issue.path.join(".") || "settings";
    return new InvalidSetting(field, issue.code === "unrecognized_keys" ? `unknown setting ${issue.keys.join(", ")}` : issue.message);
  }
}

export function defaultSettingsPath(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "medusa-node", "settings.json");
}

export class SettingsFile {
  constructor(readonly path: string) {}

  /** The saved settings, or defaults with the reason when there are none or they cannot be read. */
  async load(): Promise<{ settings: NodeSettings; problem?: string }> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
      return { settings: NodeSettings.parse({}), problem: missing ? undefined : `cannot read ${this.path}: ${(err as Error).message}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { settings: NodeSettings.parse({}), problem: `${this.path} is not JSON; using defaults` };
    }
    const parsed = NodeSettings.safeParse(json);
    if (parsed.success) return { settings: parsed.data };
    const issue = parsed.error.issues[0]!;
    return { settings: NodeSettings.parse({}), problem: `${this.path}: ${issue.path.join(".") || "settings"}: ${issue.message}; using defaults` };
  }

  /** Written to a temporary name and renamed, so a crash never leaves half a file. */
  async save(settings: NodeSettings): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(settings, null, 2) + "\n", { mode: 0o600 });
    await rename(temp, this.path);
  }
}
