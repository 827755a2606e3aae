import { ActivationFailed, activateWithCode } from "../activation.ts";
import { GatewayUrl } from "../cli.ts";
import type { CredentialsFile, NodeCredentials } from "../credentials.ts";
import { ACTIVATION_HTML, ACTIVATION_JS } from "./activation-page.ts";
import { LOCAL_UI_CSS } from "./page.ts";
import { errorMessage } from "@medusa/core";
import { error, json, jsonBody, send, type LocalPages, type LocalUi } from "./server.ts";

const invalid = (field: string, message: string) => error(400, "invalid_field", message, { field, message });

/**
 * A node started with no token waits here: the local UI asks for the site's
 * address and the activation code, trades the code for the token and saves
 * it, and then the node starts as if it had always had one.
 */
export function waitForActivation(ui: LocalUi, opts: { gateway?: string; file: CredentialsFile; activate?: typeof activateWithCode; log: (line: string) => void }): Promise<NodeCredentials> {
  const activate = opts.activate ?? activateWithCode;
  return new Promise((resolve) => {
    let busy = false;
    const pages: LocalPages = async (req, pathname) => {
      switch (`${req.method} ${pathname}`) {
        case "GET /":
          return send(ACTIVATION_HTML, "text/html");
        case "GET /activate.js":
          return send(ACTIVATION_JS, "text/javascript");
        case "GET /ui.css":
          return send(LOCAL_UI_CSS, "text/css");
        case "GET /api/activation":
          return json({ activated: false, ...(opts.gateway ? { gateway: opts.gateway } : {}) });
        case "POST /api/activate": {
          const read = await jsonBody(req);
          if (read instanceof Response) return read;
          const { gateway, code } = (read.body ?? {}) as { gateway?: unknown; code?: unknown };
          const url = GatewayUrl.safeParse(gateway);
          if (!url.success) return invalid("gateway", "the site address must be an http:// or https:// URL");
          if (typeof code !== "string" || code.trim() === "") return invalid("code", "type the activation code the site showed");
          if (busy) return error(409, "conflict", "an activation is already under way");
          busy = true;
          try {
            const credentials = await activate(url.data, code);
            await opts.file.save(credentials);
            opts.log(`[node] activated as ${credentials.name ?? credentials.nodeId} (${credentials.nodeId}); token saved in ${opts.file.path}`);
            resolve(credentials);
            return json({ activated: true, name: credentials.name, nodeId: credentials.nodeId });
          } catch (err) {
            const field = err instanceof ActivationFailed ? err.field : "code";
            return invalid(field, errorMessage(err));
          } finally {
            busy = false;
          }
        }
      }
      return null;
    };
    ui.show(pages);
    opts.log(`[node] not activated yet: open ${ui.url} and type the code from the site's Nodes page (or run medusa-node activate CODE --gateway URL)`);
  });
}
