import { join, resolve } from "node:path";
import { NodeBuilds } from "@medusa/gateway/downloads/node-builds";
import { buildNode } from "@medusa/node/build/build-node";
import { hostPlatform } from "@medusa/node/build/targets";
import { describeVersion } from "@medusa/node/build/version";

const ROOT = resolve(import.meta.dir, "../../..");

/**
 * The embedded stack's node downloads. An operator's own folder
 * (MEDUSA_DOWNLOADS_DIR) is served as it is, built into only while empty;
 * the default one under the data dir belongs to the stack, which builds this
 * computer's executable into it on first request and again whenever the
 * checkout has moved to another version.
 */
export function embeddedNodeBuilds(env: { MEDUSA_DATA_DIR: string; MEDUSA_DOWNLOADS_DIR?: string }, log: (line: string) => void): NodeBuilds {
  const own = env.MEDUSA_DOWNLOADS_DIR === undefined;
  const dir = env.MEDUSA_DOWNLOADS_DIR ?? join(env.MEDUSA_DATA_DIR, "downloads");
  const platform = hostPlatform();
  const version = describeVersion(ROOT);
  return new NodeBuilds({
    dir,
    log,
    ...(own ? { expectedVersion: version } : {}),
    ...(platform ? { build: async () => void (await buildNode({ outDir: dir, platforms: [platform], version })) } : {}),
  });
}
