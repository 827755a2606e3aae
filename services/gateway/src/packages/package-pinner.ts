import { limits, MedusaError, type BlobStore, type PackageRequest, type PackageSet, type PinnedWheel } from "@medusa/core";
import { noMirror, type PackageMirror } from "./package-mirror.ts";
import { DEFAULT_MAX_WHEEL_BYTES, freezeUploadedWheel } from "./uploaded-wheels.ts";

export interface PackagePinnerDeps {
  blobs: BlobStore;
  /** Absent when the operator set no MEDUSA_PYODIDE_PACKAGES_DIR. */
  mirror?: PackageMirror;
  /** Cap on one uploaded wheel (default 64 MiB). */
  maxWheelBytes?: number;
}

/**
 * Turns a job's or session's `packages` and `wheels` into the exact files
 * its runners will load, at submission, so a bad name is a 400 before
 * anything is held or queued and every node loads the same bytes.
 */
export class PackagePinner {
  constructor(private readonly deps: PackagePinnerDeps) {}

  get mirror(): PackageMirror | undefined {
    return this.deps.mirror;
  }

  /** The pinned set, or undefined when the request names no packages. */
  async pin(owner: string, request: PackageRequest): Promise<PackageSet | undefined> {
    const names = request.packages ?? [];
    const paths = request.wheels ?? [];
    if (names.length === 0 && paths.length === 0) return undefined;
    if (names.length > 0 && !this.deps.mirror) throw noMirror("packages");
    const fromMirror = names.length > 0 ? this.deps.mirror!.resolve(names) : [];
    if (fromMirror.length + paths.length > limits.pinnedWheels) {
      const message = `these need ${fromMirror.length + paths.length} wheels with their dependencies, more than the ${limits.pinnedWheels} a job may load`;
      throw new MedusaError("invalid_field", `packages: ${message}`, { issues: [{ field: "packages", message }] });
    }
    const wheels: PinnedWheel[] = [...fromMirror];
    for (const [i, path] of paths.entries()) {
      const field = `wheels.${i}`;
      const wheel = await freezeUploadedWheel(this.deps.blobs, owner, path, field, this.deps.maxWheelBytes ?? DEFAULT_MAX_WHEEL_BYTES);
      const twin = wheels.find((w) => w.name === wheel.name);
      if (twin) {
        const why = twin.source === "mirror" ? "also among the packages (or what they need)" : "named twice";
        throw new MedusaError("invalid_field", `${field}: ${wheel.name} is ${why}; name each package once`, { issues: [{ field, message: `${wheel.name} is ${why}` }] });
      }
      wheels.push(wheel);
    }
    return fromMirror.length > 0 ? { abiVersion: this.deps.mirror!.info.abiVersion, wheels } : { wheels };
  }
}
