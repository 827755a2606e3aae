import { z } from "zod";
import { limits } from "./limits.ts";

/**
 * Python packages for a job or session. The consumer names packages of the
 * gateway's Pyodide package mirror (and, optionally, pure-Python wheels
 * uploaded as files); the gateway pins them at submission, dependencies
 * included, to exact wheel files and their SHA-256, so every node loads the
 * same bytes and checks them before a runner sees them.
 */

/** A package as the consumer names it (`numpy`, `Pillow`, `scikit_image`). */
export const PackageName = z
  .string()
  .max(100, "a package name is at most 100 characters")
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, "a package name is letters, digits, '.', '_' and '-'");

/** PEP 503: the form a lock file's keys and `depends` use (`Scikit_Image` → `scikit-image`). */
export const canonicalPackageName = (name: string) => name.replace(/[-_.]+/g, "-").toLowerCase();

/** A wheel's (or Pyodide shared library's) file name: one path segment, nothing that climbs. */
export const WheelFileName = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*\.(whl|zip)$/, "a wheel file name is one segment ending in .whl or .zip");

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 is 64 lowercase hex digits");

/**
 * One file a runner loads, pinned at submission. `mirror` files come from the
 * gateway's package mirror by name; `upload` files are the consumer's own
 * wheels, kept by the gateway under their hash.
 */
export const PinnedWheel = z.object({
  /** Canonical name, the lock file's key. */
  name: z.string().min(1).max(100),
  version: z.string().min(1).max(100),
  fileName: WheelFileName,
  sha256: Sha256Hex,
  /** Canonical names of the packages this one needs; all of them are in the same set. */
  depends: z.array(z.string().max(100)).max(256),
  /** Pyodide's `install_dir`: site-packages, or the shared-library folder. */
  installDir: z.enum(["site", "dynlib"]),
  source: z.enum(["mirror", "upload"]),
});
export type PinnedWheel = z.infer<typeof PinnedWheel>;

export const PackageSet = z.object({
  /** The Pyodide ABI the mirror's wheels were built for; present when any wheel came from the mirror. */
  abiVersion: z.string().max(50).optional(),
  /** Dependencies before the packages that need them. */
  wheels: z.array(PinnedWheel).min(1).max(limits.pinnedWheels),
});
export type PackageSet = z.infer<typeof PackageSet>;

/** One runner serves one package set: two programs may share a runner only if their keys are equal. */
export const packageSetKey = (set: PackageSet | undefined): string =>
  set ? set.wheels.map((w) => w.sha256).sort().join(",") : "";

/** What `GET /v1/packages` answers: the mirror's packages, loadable by name. */
export const MirrorListing = z.object({
  pyodide: z.object({ abiVersion: z.string(), python: z.string() }).nullable(),
  packages: z.array(z.object({ name: z.string(), version: z.string() })),
});
export type MirrorListing = z.infer<typeof MirrorListing>;
