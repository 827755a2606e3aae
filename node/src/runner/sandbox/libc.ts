import { dlopen, read } from "bun:ffi";

/**
 * The few libc calls the sandbox needs, through bun:ffi. Bun itself links
 * libc dynamically, so opening it again costs nothing and works in the
 * compiled executable too. `openLibc` returns undefined where there is no
 * such library (not Linux, an unusual libc), and the caller runs unconfined.
 */

const NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"];

const SYMBOLS = {
  syscall: { args: ["i64", "i64", "i64", "ptr"], returns: "i64" },
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  setrlimit: { args: ["i32", "ptr"], returns: "i32" },
  getrlimit: { args: ["i32", "ptr"], returns: "i32" },
  getppid: { args: [], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const;

export interface Libc {
  /** syscall(nr, a, b, pointer) → the raw result, -1 with errno set on failure. */
  syscall(nr: number, a: number, b: number, pointer: Uint8Array): number;
  prctl(option: number, arg2?: number): number;
  setrlimit(resource: number, soft: bigint, hard: bigint): number;
  getrlimit(resource: number): { soft: bigint; hard: bigint } | undefined;
  getppid(): number;
  /** errno of the calling thread, right after a failed call. */
  errno(): number;
}

export const RLIM_INFINITY = 0xffffffffffffffffn;

export function openLibc(): Libc | undefined {
  if (process.platform !== "linux") return undefined;
  for (const name of NAMES) {
    let lib: ReturnType<typeof dlopen<typeof SYMBOLS>>;
    try {
      lib = dlopen(name, SYMBOLS);
    } catch {
      continue;
    }
    const s = lib.symbols;
    return {
      syscall: (nr, a, b, pointer) => Number(s.syscall(nr, a, b, pointer)),
      prctl: (option, arg2 = 0) => s.prctl(option, arg2, 0, 0, 0),
      setrlimit: (resource, soft, hard) => s.setrlimit(resource, new BigUint64Array([soft, hard])),
      getrlimit: (resource) => {
        const limit = new BigUint64Array(2);
        return s.getrlimit(resource, limit) === 0 ? { soft: limit[0]!, hard: limit[1]! } : undefined;
      },
      getppid: () => s.getppid(),
      errno: () => {
        const at = s.__errno_location();
        return at === null ? 0 : read.i32(at);
      },
    };
  }
  return undefined;
}
