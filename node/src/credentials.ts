import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";

/**
 * What activation gives a node, kept so later starts need no flag: the
 * gateway and the node's token, in `node.json` beside the settings file,
 * readable by the volunteer alone (0600, in a 0700 folder). A token on the
 * command line would show in `ps` to every user of the computer; this file
 * does not.
 */
export const NodeCredentials = z.object({
  v: z.literal(1).default(1),
  gateway: z.string().min(1),
  token: z.string().min(1),
  nodeId: z.string().optional(),
  name: z.string().optional(),
});
export type NodeCredentials = z.infer<typeof NodeCredentials>;

export const credentialsPath = (settingsPath: string) => join(dirname(settingsPath), "node.json");

export class CredentialsFile {
  constructor(readonly path: string) {}

  /** The saved credentials, or null (with the reason when a file exists but cannot be used). */
  async load(): Promise<{ credentials: NodeCredentials | null; problem?: string }> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
      return { credentials: null, ...(missing ? {} : { problem: `cannot read ${this.path}: ${(err as Error).message}` }) };
    }
    try {
      return { credentials: NodeCredentials.parse(JSON.parse(text)) };
    } catch {
      return { credentials: null, problem: `${this.path} is not a node's credentials; activate the node again` };
    }
  }

  async save(credentials: NodeCredentials): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
    // The mode above is masked by umask; the file holds a secret, so say it again.
    await chmod(temp, 0o600);
    await rename(temp, this.path);
  }
}
