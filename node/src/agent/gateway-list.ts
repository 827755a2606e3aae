import { nodeSocketUrl } from "../cli.ts";
import { gatewayHttpUrl } from "../packages/wheel-cache.ts";

/** At most this many gateways are remembered (a welcome's list included). */
const MAX_GATEWAYS = 50;

/**
 * The gateways a node may connect to: those it was started with (`--gateway
 * a,b`), then those a gateway's welcome said are alive. The node uses one at
 * a time; when its connection drops or fails it moves on to the next, so a
 * gateway that died is left for one that answers.
 */
export class GatewayList {
  readonly #urls: string[] = [];
  #at = 0;

  /** http(s) base URLs or ws(s) node sockets; a comma-separated string is split. */
  constructor(gateways: string | string[]) {
    this.learn((Array.isArray(gateways) ? gateways : [gateways]).flatMap((g) => g.split(",")));
    if (this.#urls.length === 0) throw new Error("a node needs at least one gateway URL");
  }

  /** The gateway in use, http(s)://host[/base]. */
  get httpUrl(): string {
    return this.#urls[this.#at]!;
  }

  /** Its node socket, ws(s)://host[/base]/v1/nodes/ws. */
  get socketUrl(): string {
    return nodeSocketUrl(this.httpUrl);
  }

  get all(): readonly string[] {
    return this.#urls;
  }

  /** Moves on to the next gateway (the same one again when there is only one). */
  next(): void {
    this.#at = (this.#at + 1) % this.#urls.length;
  }

  /** Adds gateways not known yet, after the known ones. */
  learn(urls: readonly string[]): void {
    for (const raw of urls) {
      const trimmed = raw.trim();
      if (!trimmed || this.#urls.length >= MAX_GATEWAYS) continue;
      const url = gatewayHttpUrl(trimmed);
      if (!this.#urls.includes(url)) this.#urls.push(url);
    }
  }
}
