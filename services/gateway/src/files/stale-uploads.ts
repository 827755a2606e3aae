import { errorFields, type AccountFiles, type Logger } from "@medusa/core";

/** How often unfinished uploads are looked over. */
const EVERY_MS = 3_600_000;

/**
 * Every hour (and once soon after start), unfinished uploads that received
 * nothing for `expiryMs` are deleted, whether they came over REST or FTP:
 * they count against their account's quota until then. Several gateways
 * doing it at once only discard the same uploads twice. Returns a stop function.
 */
export function sweepStaleUploads(files: AccountFiles, expiryMs: number, log: Logger, now: () => number = Date.now): () => void {
  const sweep = async () => {
    try {
      const dropped = await files.dropStaleUploads(now() - expiryMs);
      if (dropped > 0) log.info(`deleted ${dropped} unfinished upload(s) untouched for ${expiryMs} ms`, { dropped });
    } catch (err) {
      log.warn("unfinished uploads could not be swept", errorFields(err));
    }
  };
  const first = setTimeout(sweep, 60_000);
  const timer = setInterval(sweep, EVERY_MS);
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
