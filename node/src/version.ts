/** The release line; bump with user-visible node changes. Builds add the commit (see node/build/version.ts). */
export const NODE_BASE_VERSION = "0.1.0";

/** Replaced at build time (`bun build --define`); absent when the node runs from source. */
declare const MEDUSA_NODE_VERSION: string | undefined;

/** Sent in `hello`, printed by `--version`, shown in the local UI. */
export const NODE_VERSION: string = typeof MEDUSA_NODE_VERSION === "string" ? MEDUSA_NODE_VERSION : `${NODE_BASE_VERSION}-dev`;

const SHAPE = /^(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g[0-9a-f]+)?(?:-dirty)?$/;

/**
 * Whether `mine` is older than `current`: by release, then by commits since
 * it. Versions that do not have the build shape (`-dev`, `-unknown`) are
 * never called older: a node run from source is the developer's business.
 */
export function isOlderVersion(mine: string, current: string): boolean {
  const a = SHAPE.exec(mine);
  const b = SHAPE.exec(current);
  if (!a || !b) return false;
  for (let i = 1; i <= 4; i++) {
    const x = Number(a[i] ?? 0);
    const y = Number(b[i] ?? 0);
    if (x !== y) return x < y;
  }
  return false;
}
