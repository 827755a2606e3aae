import { availableParallelism } from "node:os";
import { z } from "zod";
import { NODE_VERSION } from "./version.ts";

export const USAGE = `medusa-node ${NODE_VERSION}: run Medusa chunks on this computer

Usage:
  medusa-node activate CODE --gateway http://host:8080
                              trade the site's one-time code for this node's token, kept for later starts
  medusa-node [--gateway URL] [--slots N] [--memory-mb N] [--ui-port N | --no-ui]
              [--settings FILE] [--allow-unsandboxed-python]
                              run; with no token yet, the local web UI asks for an activation code
  medusa-node selftest        load Python in a sandboxed runner and run a tiny job
  medusa-node --help | --version

Options:
  --gateway URL     the gateway's address, http(s)://... (env MEDUSA_GATEWAY; default: the activated one);
                    several, comma-separated or the flag repeated, to fail over between when one goes away
  --token TOKEN     this node's token from POST /v1/nodes (prefer MEDUSA_NODE_TOKEN or activation:
                    other users of this computer can read a command line)
  --slots N         chunks run at once (default: the saved setting, else CPU cores - 1)
  --memory-mb N     memory cap per runner process, in MiB
  --ui-port N       the local web UI on http://127.0.0.1:N/ (default 7077; 0 = any free port)
  --no-ui           no local web UI
  --settings FILE   where the UI's settings are kept (default ~/.config/medusa-node/settings.json;
                    the activated token is kept beside it in node.json)
  --allow-unsandboxed-python
                    run Python even where this computer gives runners no OS sandbox
                    (seccomp); without it such a node runs WASI modules only
`;

export const defaultSlots = () => Math.max(1, availableParallelism() - 1);
export const DEFAULT_UI_PORT = 7077;
const intFlag = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const isGatewayUrl = (s: string) => URL.canParse(s) && /^(https?|wss?):$/.test(new URL(s).protocol);
/** One gateway (activation talks to the one that gave the code). */
export const GatewayUrl = z.string().refine(isGatewayUrl, "--gateway must be an http:// or https:// URL");
/** One or more gateways of one deployment, comma-separated: the node fails over between them. */
export const GatewayUrls = z.string().refine((s) => s.split(",").every((g) => isGatewayUrl(g.trim())), "--gateway must be an http:// or https:// URL (several: comma-separated, or --gateway repeated)");

/** Gateway and token may come later: from the activated node's saved credentials, or from activation itself. */
export const CliOptions = z.object({
  gateway: GatewayUrls.optional(),
  token: z.string().min(1, "--token is empty").optional(),
  /** Absent unless given, so a slot count saved from the UI is not overridden by a default. */
  slots: intFlag("--slots", 1, 256).optional(),
  memoryMb: intFlag("--memory-mb", 64, 1 << 20).optional(),
  /** null: no local UI. */
  uiPort: intFlag("--ui-port", 0, 65535).nullable().default(DEFAULT_UI_PORT),
  settings: z.string().min(1, "--settings is empty").optional(),
  /** Only ever true: the volunteer's explicit opt-in. */
  allowUnsandboxedPython: z.literal(true).optional(),
});
export type CliOptions = z.infer<typeof CliOptions>;

export type CliCommand =
  | { kind: "run"; options: CliOptions }
  | { kind: "activate"; code: string; gateway: string; settings?: string }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

const FLAGS: Record<string, keyof CliOptions> = {
  "--gateway": "gateway",
  "--token": "token",
  "--slots": "slots",
  "--memory-mb": "memoryMb",
  "--ui-port": "uiPort",
  "--settings": "settings",
};

/** Parses `medusa-node` arguments (without the executable), falling back to env for gateway and token. */
export function parseCli(argv: string[], env: Record<string, string | undefined> = process.env): CliCommand {
  if (argv[0] === "activate") return parseActivate(argv.slice(1), env);
  const raw: Partial<Record<keyof CliOptions, string | null | boolean>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--version") return { kind: "version" };
    if (arg === "--no-ui") {
      raw.uiPort = null;
      continue;
    }
    if (arg === "--allow-unsandboxed-python") {
      raw.allowUnsandboxedPython = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = FLAGS[flag];
    if (!key) return { kind: "error", message: arg.startsWith("-") ? `unknown option ${flag}` : `unexpected argument ${arg}` };
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return { kind: "error", message: `${flag} needs a value` };
    // --gateway may be repeated: each adds a gateway to fail over to.
    raw[key] = key === "gateway" && typeof raw.gateway === "string" ? `${raw.gateway},${value}` : value;
  }
  raw.gateway ??= env.MEDUSA_GATEWAY || undefined;
  raw.token ??= env.MEDUSA_NODE_TOKEN || undefined;
  const parsed = CliOptions.safeParse(raw);
  if (!parsed.success) return { kind: "error", message: parsed.error.issues[0]!.message };
  return { kind: "run", options: parsed.data };
}

/** `activate CODE --gateway URL [--settings FILE]`: the code is checked by the gateway, which knows it. */
function parseActivate(argv: string[], env: Record<string, string | undefined>): CliCommand {
  let code: string | undefined;
  let gateway = env.MEDUSA_GATEWAY || undefined;
  let settings: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === "--gateway" || flag === "--settings") {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (!value) return { kind: "error", message: `${flag} needs a value` };
      if (flag === "--gateway") gateway = value;
      else settings = value;
    } else if (arg.startsWith("-")) return { kind: "error", message: `unknown option ${flag} for activate` };
    else if (code === undefined) code = arg;
    else return { kind: "error", message: `unexpected argument ${arg}` };
  }
  if (!code) return { kind: "error", message: "activate needs the code the site showed, e.g. medusa-node activate ABCDE-FGHJK --gateway http://host:8080" };
  if (!gateway) return { kind: "error", message: "activate needs --gateway (or MEDUSA_GATEWAY): the address of the site that gave the code" };
  const url = GatewayUrl.safeParse(gateway);
  if (!url.success) return { kind: "error", message: url.error.issues[0]!.message };
  return { kind: "activate", code, gateway, ...(settings ? { settings } : {}) };
}

/** http(s)://host[/base] → ws(s)://host[/base]/v1/nodes/ws */
export function nodeSocketUrl(gateway: string): string {
  const url = new URL(gateway);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/nodes/ws`;
  url.search = "";
  url.hash = "";
  return url.toString();
}
