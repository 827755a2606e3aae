import { unzipSync } from "fflate";
import { accountFileKey, limits, canonicalPackageName, checkFilePath, MedusaError, sha256Hex, type BlobStore, type PinnedWheel, errorMessage } from "@medusa/core";

/**
 * A consumer's own wheels. Only pure-Python ones: a node loads them after its
 * runner has confined itself, so no code of theirs runs unconfined, and with
 * no compiled code in them there is nothing for Pyodide to link. Each is
 * copied at submission under its hash (`wheels/<sha256>`), so changing or
 * deleting the file later cannot change what a running job loads, and nodes
 * fetch it by that hash.
 */

export const DEFAULT_MAX_WHEEL_BYTES = limits.wheelBytes;

export const uploadedWheelKey = (sha256: string) => `wheels/${sha256}`;

/**
 * `name-version-pytag-none-any.whl`, five parts as Pyodide reads them
 * (it takes the last four `-` parts as version and tags, so a build tag would be misread).
 */
const PURE_WHEEL = /^([A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-([A-Za-z0-9.!+_]+)-([A-Za-z0-9._]+)-none-any\.whl$/;
/** What Pyodide would load as a shared library (its SHAREDLIB_REGEX). */
const SHARED_LIBRARY = /\.so(\.\d+)*$/;

const invalid = (field: string, message: string, code: "invalid_field" | "payload_too_large" = "invalid_field") =>
  new MedusaError(code, `${field}: ${message}`, { issues: [{ field, message }] });

/** Checks the caller's wheel at `path` and keeps a copy under its hash; throws a 4xx naming `field`. */
export async function freezeUploadedWheel(blobs: BlobStore, owner: string, path: string, field: string, maxBytes: number): Promise<PinnedWheel> {
  checkFilePath(path, field);
  const fileName = path.slice(path.lastIndexOf("/") + 1);
  const parts = PURE_WHEEL.exec(fileName);
  if (!parts) throw invalid(field, `${fileName} is not named as a pure-Python wheel (name-version-py3-none-any.whl); compiled packages come from the package mirror`);
  const key = accountFileKey(owner, path);
  const info = await blobs.stat(key);
  if (!info) throw invalid(field, `no file named ${path}; upload it with PUT /v1/files/${path} first`);
  if (info.size > maxBytes) throw invalid(field, `${path} is ${info.size} bytes, over the ${maxBytes}-byte cap on an uploaded wheel`, "payload_too_large");
  const bytes = await blobs.bytes(key);
  if (!bytes) throw invalid(field, `no file named ${path}; upload it with PUT /v1/files/${path} first`);
  checkWheelContents(bytes, parts[1]!, field, path);
  const sha256 = sha256Hex(bytes);
  if (!(await blobs.stat(uploadedWheelKey(sha256)))) await blobs.put(uploadedWheelKey(sha256), bytes);
  return { name: canonicalPackageName(parts[1]!), version: parts[2]!, fileName, sha256, depends: [], installDir: "site", source: "upload" };
}

/** A wheel is a zip with `<name>-<version>.dist-info/METADATA` and `WHEEL`; a pure one holds no shared library. */
function checkWheelContents(bytes: Uint8Array, distribution: string, field: string, path: string): void {
  const names: string[] = [];
  try {
    // The filter sees every entry and inflates none of them.
    unzipSync(bytes, { filter: (entry) => (names.push(entry.name), false) });
  } catch (err) {
    throw invalid(field, `${path} is not a zip file, so not a wheel (${errorMessage(err)})`);
  }
  const compiled = names.find((n) => SHARED_LIBRARY.test(n));
  if (compiled) throw invalid(field, `${path} holds compiled code (${compiled}); only pure-Python wheels may be uploaded, compiled packages come from the package mirror`);
  const canonical = canonicalPackageName(distribution);
  const infoDir = [...new Set(names.map((n) => n.split("/")[0]!))].find((d) => d.endsWith(".dist-info") && canonicalPackageName(d).startsWith(canonical));
  const missing = ["METADATA", "WHEEL"].filter((f) => !names.includes(`${infoDir}/${f}`));
  if (!infoDir || missing.length > 0) throw invalid(field, `${path} has no ${distribution}-<version>.dist-info/${infoDir ? missing.join(" or ") : "METADATA"}, so it is not a wheel`);
}
