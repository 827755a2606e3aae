import { NODE_BASE_VERSION } from "../src/version.ts";

/**
 * The version compiled into a build, in `git describe`'s shape:
 * `<tag>-<commits since>-g<commit>[-dirty]`, e.g. `0.1.0-142-gc36a15a`. With
 * no `v*` tag in the history, NODE_BASE_VERSION stands for one on the first
 * commit, so the count still grows along main and versions compare. Outside
 * a git checkout (a source archive) it is `<base>-unknown`.
 */
export function describeVersion(root: string): string {
  const git = (...args: string[]) => {
    try {
      const p = Bun.spawnSync(["git", ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
      return p.exitCode === 0 ? p.stdout.toString().trim() : null;
    } catch {
      return null; // no git on this computer
    }
  };
  const tagged = git("describe", "--tags", "--match", "v[0-9]*", "--long", "--dirty");
  if (tagged) return tagged.replace(/^v/, "");
  const count = git("rev-list", "--count", "HEAD");
  const commit = git("rev-parse", "--short=7", "HEAD");
  if (count === null || commit === null) return `${NODE_BASE_VERSION}-unknown`;
  const dirty = git("status", "--porcelain", "--untracked-files=no") ? "-dirty" : "";
  return `${NODE_BASE_VERSION}-${count}-g${commit}${dirty}`;
}
