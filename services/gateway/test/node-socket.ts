import { expect } from "bun:test";
import type { GatewayMessage } from "@medusa/core";

/** A node's side of the socket: frames in arrival order, awaited by type. */
export async function connectNodeSocket(url: string) {
  const socket = new WebSocket(url);
  const frames: GatewayMessage[] = [];
  const waiters: Array<() => void> = [];
  socket.onmessage = (m) => {
    frames.push(JSON.parse(String(m.data)));
    for (const w of waiters.splice(0)) w();
  };
  const closed = new Promise<number>((resolve) => (socket.onclose = (e) => resolve(e.code)));
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("socket error"));
  });
  let seen = 0;
  /** The next frame not yet taken; it must be of `type`. */
  const next = async <T extends GatewayMessage["type"]>(type: T, timeoutMs = 2_000): Promise<Extract<GatewayMessage, { type: T }>> => {
    const until = Date.now() + timeoutMs;
    while (frames.length <= seen) {
      if (Date.now() > until) throw new Error(`no ${type} frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    const frame = frames[seen++]!;
    expect(frame.type).toBe(type);
    return frame as Extract<GatewayMessage, { type: T }>;
  };
  const send = (message: object) => socket.send(JSON.stringify({ v: 1, ...message }));
  return { socket, frames, next, send, closed, pending: () => frames.length - seen };
}
