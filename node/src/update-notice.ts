import { isOlderVersion } from "./version.ts";

/**
 * What an older node says when the gateway's welcome names a newer version.
 * The node never replaces its own executable: the volunteer downloads the
 * new one (the site's Nodes page offers it, with its checksum) and restarts.
 */
export function updateNotice(mine: string, offered: string | null | undefined): string | null {
  if (!offered || !isOlderVersion(mine, offered)) return null;
  return `[node] a newer medusa-node is available: ${offered} (this is ${mine}); download it from the site's Nodes page and restart (the node does not replace itself)`;
}
