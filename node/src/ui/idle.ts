import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/**
 * How long the person at this computer has left keyboard and mouse alone.
 * `idleMs` is null when this source cannot tell; `name` says what it watches,
 * so the UI can be honest about what it does and does not see.
 */
export interface IdleSource {
  readonly name: string;
  idleMs(): Promise<number | null>;
}

/**
 * Terminal activity: a tty's access time moves when someone types on it
 * (what `w` reports as IDLE), for the Linux consoles and every ssh or
 * terminal-emulator session under /dev/pts. It does not see keyboard or mouse
 * input inside a graphical session, which goes to X or Wayland, not a tty.
 */
export function ttyIdle(devDir = "/dev", now: () => number = Date.now): IdleSource {
  return {
    name: "terminals (/dev/tty*, /dev/pts/*)",
    async idleMs() {
      const paths: string[] = [];
      try {
        for (const name of await readdir(devDir)) if (/^tty\d+$/.test(name)) paths.push(join(devDir, name));
      } catch {
        return null;
      }
      try {
        for (const name of await readdir(join(devDir, "pts"))) if (/^\d+$/.test(name)) paths.push(join(devDir, "pts", name));
      } catch {
        // No pts folder: consoles only.
      }
      let last = -Infinity;
      for (const path of paths) {
        const info = await stat(path).catch(() => null);
        if (info) last = Math.max(last, info.atimeMs);
      }
      return Number.isFinite(last) ? Math.max(0, now() - last) : null;
    },
  };
}

/** The X11 server's own idle counter, through `xprintidle`, when a display and the tool are there. */
export function x11Idle(env: Record<string, string | undefined> = process.env): IdleSource | null {
  const tool = Bun.which("xprintidle");
  if (!env.DISPLAY || !tool) return null;
  return {
    name: "X11 keyboard and mouse (xprintidle)",
    async idleMs() {
      const proc = Bun.spawn([tool], { env: { DISPLAY: env.DISPLAY, XAUTHORITY: env.XAUTHORITY }, stdout: "pipe", stderr: "ignore" });
      const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      const ms = Number(text.trim());
      return code === 0 && Number.isFinite(ms) ? ms : null;
    },
  };
}

/** The best source this machine has: X11's counter on a desktop, terminal activity otherwise. */
export function systemIdle(): IdleSource {
  return x11Idle() ?? ttyIdle();
}
