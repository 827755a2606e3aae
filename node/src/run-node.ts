import { activateWithCode } from "./activation.ts";
import type { CliOptions } from "./cli.ts";
import { CredentialsFile, credentialsPath } from "./credentials.ts";
import { startCredentials } from "./start-credentials.ts";
import { waitForActivation } from "./ui/activation-ui.ts";
import { openLocalUi, type LocalUi } from "./ui/server.ts";
import { defaultSettingsPath } from "./ui/settings.ts";
import { startVolunteer, type Volunteer } from "./ui/volunteer.ts";
import { errorMessage } from "@medusa/core";

/**
 * `medusa-node` as a volunteer runs it: find the token (flag, env, saved by
 * activation, or ask for an activation code in the local UI), then start.
 * Returns null after printing why it cannot start.
 */
export async function runNode(cli: CliOptions, log: (line: string) => void = console.log, fail: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)): Promise<Volunteer | null> {
  const { settings, token: _, gateway: __, ...options } = cli;
  const settingsPath = settings ?? defaultSettingsPath();
  const file = new CredentialsFile(credentialsPath(settingsPath));
  const saved = await file.load();
  if (saved.problem) log(`[node] ${saved.problem}`);
  let found = startCredentials(cli, saved.credentials);
  if (found.kind === "error") {
    fail(`medusa-node: ${found.message}`);
    return null;
  }
  let ui: LocalUi | undefined;
  if (found.kind === "activate") {
    try {
      ui = openLocalUi({ port: cli.uiPort! });
    } catch (err) {
      fail(`medusa-node: this node has no token yet and its local UI cannot open on port ${cli.uiPort} (${errorMessage(err)}); run medusa-node activate CODE --gateway URL, or pick another --ui-port`);
      return null;
    }
    const credentials = await waitForActivation(ui, { ...(found.gateway ? { gateway: found.gateway } : {}), file, log });
    found = { kind: "ready", gateway: credentials.gateway, token: credentials.token };
  }
  return startVolunteer({ ...options, gateway: found.gateway, token: found.token, settingsPath, ...(ui ? { openUi: ui } : {}), log });
}

/** `medusa-node activate CODE --gateway URL`: exit code 0 once the token is saved. */
export async function activateCommand(cmd: { code: string; gateway: string; settings?: string }, log: (line: string) => void = console.log, fail: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)): Promise<number> {
  const file = new CredentialsFile(credentialsPath(cmd.settings ?? defaultSettingsPath()));
  try {
    const credentials = await activateWithCode(cmd.gateway, cmd.code);
    await file.save(credentials);
    log(`activated as “${credentials.name}” (${credentials.nodeId}) for ${credentials.gateway}; the token is saved in ${file.path}`);
    log("start the node with: medusa-node");
    return 0;
  } catch (err) {
    fail(`medusa-node activate: ${errorMessage(err)}`);
    return 1;
  }
}
