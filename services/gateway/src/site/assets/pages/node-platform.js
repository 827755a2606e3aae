// Which node build suits the visitor's computer, from what the browser says
// of itself. Browsers say little (Safari calls every Mac "Intel"), so this
// only orders the list: the best guess first, every build still offered.

export const PLATFORM_NAMES = {
  "linux-x64": "Linux (x86-64)",
  "linux-arm64": "Linux (ARM64)",
  "darwin-arm64": "macOS (Apple silicon)",
  "darwin-x64": "macOS (Intel)",
  "windows-x64": "Windows (x86-64)",
};

/** The builds' platforms, the visitor's likely one first. `arch` is from userAgentData ("arm", "x86") when known. */
export function platformOrder(platforms, { userAgent = "", platform = "", arch = "" } = {}) {
  const ua = `${userAgent} ${platform}`.toLowerCase();
  const arm = arch === "arm" || /aarch64|arm64|armv8/.test(ua);
  let guess = null;
  if (/android|iphone|ipad|ipod/.test(ua)) guess = null;
  else if (/windows|win32|win64/.test(ua)) guess = "windows-x64";
  else if (/mac ?os|macintosh|darwin/.test(ua)) guess = arch === "x86" ? "darwin-x64" : "darwin-arm64";
  else if (/linux|x11|cros/.test(ua)) guess = arm ? "linux-arm64" : "linux-x64";
  const rest = platforms.filter((p) => p !== guess);
  return guess && platforms.includes(guess) ? [guess, ...rest] : rest;
}
