import { existsSync, readFileSync } from "node:fs";
import type { Platform } from "../../build/targets.ts";

/**
 * How this Linux x64 machine can run another platform's node build, or why
 * it cannot (naming the Debian packages that would make it work). linux-arm64
 * runs through qemu-user's binfmt handler, so the node's own runner
 * processes (the same executable, spawned again) are emulated too; the
 * Windows build runs under Wine.
 */
export type Emulator = { prefix: string[]; env: Record<string, string>; needsShim: boolean } | { missing: string };

const which = (name: string): string | null => Bun.which(name) ?? null;

export function emulatorFor(platform: Platform): Emulator {
  if (platform === "linux-arm64") {
    const handler = "/proc/sys/fs/binfmt_misc/qemu-aarch64";
    if (!existsSync(handler) || !readFileSync(handler, "utf8").startsWith("enabled")) {
      return { missing: "no qemu-aarch64 binfmt handler (apt-get install qemu-user-static binfmt-support, with binfmt_misc mounted)" };
    }
    if (!existsSync("/lib/ld-linux-aarch64.so.1")) return { missing: "no arm64 C library (dpkg --add-architecture arm64 && apt-get install libc6:arm64)" };
    return { prefix: [], env: {}, needsShim: false };
  }
  if (platform === "windows-x64") {
    const wine = which("wine64") ?? (existsSync("/usr/lib/wine/wine64") ? "/usr/lib/wine/wine64" : null);
    if (!wine) return { missing: "no wine64 (apt-get install wine64)" };
    const version = Bun.spawnSync([wine, "--version"], { stdout: "pipe", stderr: "pipe" }).stdout.toString();
    const major = Number(/wine-(\d+)/.exec(version)?.[1] ?? 0);
    const needsShim = major < 9;
    if (needsShim && !which("x86_64-w64-mingw32-gcc")) return { missing: `Wine ${major} lacks bcryptprimitives.dll and no mingw-w64 is here to build a stand-in (apt-get install gcc-mingw-w64-x86-64-win32)` };
    return { prefix: [wine], env: { WINEDEBUG: "-all" }, needsShim };
  }
  return { missing: `no emulator for ${platform} here` };
}
