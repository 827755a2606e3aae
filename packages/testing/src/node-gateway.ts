import type { Server, ServerWebSocket } from "bun";
import { NodeMessage, NODE_PROTOCOL_VERSION, type GatewayMessageBody } from "@medusa/core";

/**
 * A real WebSocket server standing in for the gateway in tests: it checks the
 * bearer token on upgrade, parses every frame as a NodeMessage, and lets the
 * test send GatewayMessages and wait for what the node says. It also serves
 * `files` over plain GET with the same token, as the gateway serves packages.
 */
export interface GatewayConn {
  readonly id: number;
  readonly received: NodeMessage[];
  readonly closed: boolean;
  send(msg: GatewayMessageBody): void;
  sendRaw(text: string): void;
  close(code?: number): void;
}

export class TestGateway {
  readonly conns: GatewayConn[] = [];
  readonly rejectedFrames: string[] = [];
  /** Served at their path (e.g. `/v1/packages/files/x.whl`) to requests bearing the token. */
  readonly files = new Map<string, Uint8Array>();
  /** Paths of the GET requests for files, in order. */
  readonly fileRequests: string[] = [];
  readonly #server: Server<{ conn: Conn }>;
  #waiters: Array<() => void> = [];

  constructor(readonly token = "node-token") {
    this.#server = Bun.serve<{ conn: Conn }>({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, server) => {
        if (req.headers.get("authorization") !== `Bearer ${this.token}`) return new Response("bad token", { status: 401 });
        const path = new URL(req.url).pathname;
        if (req.headers.get("upgrade") === null && req.method === "GET") {
          this.fileRequests.push(path);
          const file = this.files.get(path);
          return file ? new Response(file) : new Response("no such file", { status: 404 });
        }
        const conn = new Conn(this.conns.length + 1, () => this.#wake());
        if (server.upgrade(req, { data: { conn } })) return undefined;
        return new Response("upgrade failed", { status: 400 });
      },
      websocket: {
        open: (ws) => {
          ws.data.conn.ws = ws;
          this.conns.push(ws.data.conn);
          this.#wake();
        },
        message: (ws, data) => {
          const parsed = NodeMessage.safeParse(JSON.parse(String(data)));
          if (parsed.success) ws.data.conn.received.push(parsed.data);
          else this.rejectedFrames.push(String(data));
          this.#wake();
        },
        close: (ws) => {
          ws.data.conn.closed = true;
          this.#wake();
        },
      },
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#server.port}/v1/nodes/ws`;
  }

  /** Where `files` are served from: the gateway's base URL. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.#server.port}`;
  }

  get last(): GatewayConn {
    const conn = this.conns.at(-1);
    if (!conn) throw new Error("no connection yet");
    return conn;
  }

  /** Resolves once `check` holds, re-checking after every event; fails after `timeoutMs`. */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  stop(): void {
    this.#server.stop(true);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

class Conn implements GatewayConn {
  readonly received: NodeMessage[] = [];
  closed = false;
  ws: ServerWebSocket<{ conn: Conn }> | null = null;
  constructor(
    readonly id: number,
    private readonly wake: () => void,
  ) {}

  send(msg: GatewayMessageBody): void {
    this.ws!.send(JSON.stringify({ v: NODE_PROTOCOL_VERSION, ...msg }));
  }

  sendRaw(text: string): void {
    this.ws!.send(text);
  }

  close(code = 1001): void {
    this.ws!.close(code, "test closes");
    this.wake();
  }
}
