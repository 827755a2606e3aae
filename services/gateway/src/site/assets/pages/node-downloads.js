// "Get the node": the builds this gateway serves (GET /v1/downloads), the
// one for the visitor's computer first, each with its SHA-256. While the
// gateway is still building its own (503), it says so and asks again when
// the gateway's Retry-After says.
import { bytes, fill, h } from "../dom.js";
import { PLATFORM_NAMES, platformOrder } from "./node-platform.js";

const WASI_ONLY = "runs WebAssembly (WASI) jobs only: Python needs the Linux sandbox";

async function visitor() {
  const env = { userAgent: navigator.userAgent, platform: navigator.userAgentData?.platform ?? navigator.platform ?? "" };
  try {
    const high = await navigator.userAgentData?.getHighEntropyValues?.(["architecture"]);
    if (high?.architecture) env.arch = high.architecture;
  } catch {}
  return env;
}

function row(build, primary) {
  const name = PLATFORM_NAMES[build.platform] ?? build.platform;
  const note = build.platform.startsWith("linux") ? "Python and WASI, in the OS sandbox" : WASI_ONLY;
  return h(
    "li",
    { class: primary ? "download first" : "download", "data-platform": build.platform },
    h("a", { href: build.url, download: build.file, class: primary ? "button primary" : null }, primary ? `Download for ${name}` : name),
    " ",
    h("span", { class: "hint" }, `${build.file}, ${bytes(build.size)}: ${note}`),
    h("div", { class: "sha" }, h("span", { class: "hint" }, "SHA-256 "), h("code", { "data-testid": "sha256" }, build.sha256)),
  );
}

export function downloadsSection() {
  const box = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Looking for node builds…"));
  let timer = null;
  const load = async () => {
    let res;
    try {
      res = await fetch("/v1/downloads", { cache: "no-store" });
    } catch (err) {
      return fill(box, h("p", { class: "form-error", role: "alert" }, `cannot reach the gateway: ${err.message}`));
    }
    if (res.status === 503) {
      const after = Math.min(60, Math.max(2, Number(res.headers.get("retry-after")) || 10));
      fill(box, h("p", { class: "notice", "data-testid": "downloads-building" }, `The node for this computer is being built; looking again in ${after} s.`));
      timer = setTimeout(load, after * 1000);
      return;
    }
    const body = await res.json().catch(() => null);
    if (!res.ok || !body) return fill(box, h("p", { class: "muted" }, body?.error?.message ?? "This site offers no node builds: build one with npm run build:node."));
    const order = platformOrder(body.builds.map((b) => b.platform), await visitor());
    const builds = order.map((p) => body.builds.find((b) => b.platform === p));
    const [first, ...others] = builds;
    fill(
      box,
      h("p", { class: "hint" }, `Version ${body.version ?? "unknown"}. Check a download with its SHA-256 (`, h("a", { href: body.checksums }, "SHA256SUMS"), ", for sha256sum -c). On macOS and Linux make it executable first: chmod +x."),
      h("ul", { class: "downloads", "data-testid": "downloads" }, first ? row(first, true) : null),
      others.length ? h("details", {}, h("summary", {}, "Other computers"), h("ul", { class: "downloads" }, others.map((b) => row(b, false)))) : null,
    );
  };
  load();
  return { element: box, stop: () => clearTimeout(timer) };
}
