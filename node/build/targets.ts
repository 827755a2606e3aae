/**
 * The platforms a node is built for, with Bun's cross-compile target for each.
 * x64 builds use Bun's `-baseline` runtime: it runs on any x86-64 CPU, where
 * the default one needs AVX2 (2013 and later), and volunteers' computers are
 * often older than that. WebAssembly code is compiled by JSC at run time for
 * the CPU it finds, so the baseline costs chunks next to nothing.
 */
export const PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const BUN_TARGET: Record<Platform, string> = {
  "linux-x64": "bun-linux-x64-baseline",
  "linux-arm64": "bun-linux-arm64",
  "darwin-x64": "bun-darwin-x64-baseline",
  "darwin-arm64": "bun-darwin-arm64",
  "windows-x64": "bun-windows-x64-baseline",
};

/** The file a platform's build is published as: `medusa-node-linux-x64`, `medusa-node-windows-x64.exe`. */
export const buildFile = (platform: Platform) => `medusa-node-${platform}${platform.startsWith("windows") ? ".exe" : ""}`;

/** The platform this process runs on, or null when no build exists for it. */
export function hostPlatform(os: string = process.platform, arch: string = process.arch): Platform | null {
  const name = `${os === "win32" ? "windows" : os}-${arch}`;
  return (PLATFORMS as readonly string[]).includes(name) ? (name as Platform) : null;
}
