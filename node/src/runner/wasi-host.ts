/**
 * A minimal WASI preview1 host, our own rather than node:wasi, so that what a
 * module can reach is exactly what is listed here: stdin from the chunk,
 * stdout/stderr into bounded buffers, clocks and randomness. There are no
 * preopened directories, so no filesystem, and no sockets. Every other
 * preview1 call links but answers ENOSYS.
 */

import { formatBytes } from "@medusa/core/json-bounds";

export const WASI_MODULE = "wasi_snapshot_preview1";

const Errno = { success: 0, badf: 8, fault: 21, inval: 28, nosys: 52, spipe: 70 } as const;
const Filetype = { characterDevice: 2 } as const;
const Rights = { fdRead: 1n << 1n, fdWrite: 1n << 6n } as const;
const Clock = { realtime: 0, monotonic: 1, processCputime: 2, threadCputime: 3 } as const;

/** Thrown by proc_exit to unwind `_start`; carries the exit code. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Thrown when the module writes more to stdout than a result may hold. */
export class OutputCapExceeded extends Error {}

class ByteSink {
  private chunks: Uint8Array[] = [];
  size = 0;

  constructor(
    private readonly cap: number,
    private readonly onOverflow: "throw" | "drop",
  ) {}

  write(bytes: Uint8Array): void {
    if (this.size + bytes.length > this.cap) {
      if (this.onOverflow === "throw") throw new OutputCapExceeded(`stdout exceeds cap of ${formatBytes(this.cap)}`);
      bytes = bytes.subarray(0, this.cap - this.size);
    }
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

export interface WasiHostOptions {
  stdin: Uint8Array;
  /** argv[0]; a module gets no other arguments. */
  programName?: string;
  stdoutCap: number;
  stderrCap?: number;
}

export class WasiHost {
  private memory: WebAssembly.Memory | undefined;
  private stdinOffset = 0;
  private readonly stdin: Uint8Array;
  private readonly args: Uint8Array[];
  readonly stdout: ByteSink;
  readonly stderr: ByteSink;

  constructor(opts: WasiHostOptions) {
    this.stdin = opts.stdin;
    this.args = [new TextEncoder().encode(`${opts.programName ?? "program"}\0`)];
    this.stdout = new ByteSink(opts.stdoutCap, "throw");
    this.stderr = new ByteSink(opts.stderrCap ?? 4096, "drop");
  }

  /** Must be called after instantiation, before `_start`. */
  bind(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  /** The import object for `module`: our functions where we have them, ENOSYS for the rest. */
  imports(module: WebAssembly.Module): Record<string, Record<string, (...args: never[]) => number>> {
    const calls = this.calls();
    const wasi: Record<string, (...args: never[]) => number> = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module !== WASI_MODULE || imp.kind !== "function") continue;
      const impl = calls[imp.name];
      wasi[imp.name] = impl ? this.guard(impl) : () => Errno.nosys;
    }
    return { [WASI_MODULE]: wasi };
  }

  /** A pointer outside memory is the module's mistake: EFAULT, not a crash of the host. */
  private guard(impl: (...args: never[]) => number) {
    return (...args: never[]) => {
      try {
        return impl(...args);
      } catch (err) {
        if (err instanceof RangeError) return Errno.fault;
        throw err;
      }
    };
  }

  private view(): DataView {
    if (!this.memory) throw new Error("WASI host used before bind()");
    return new DataView(this.memory.buffer);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    const view = this.view();
    if (ptr + len > view.byteLength) throw new RangeError("out of bounds");
    return new Uint8Array(view.buffer, ptr, len);
  }

  /** The (buf, len) pairs of an iovec array. */
  private iovecs(iovs: number, count: number): Array<[number, number]> {
    const view = this.view();
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) out.push([view.getUint32(iovs + i * 8, true), view.getUint32(iovs + i * 8 + 4, true)]);
    return out;
  }

  private calls(): Record<string, (...args: never[]) => number> {
    const u32 = (ptr: number, value: number) => this.view().setUint32(ptr, value, true);
    const u64 = (ptr: number, value: bigint) => this.view().setBigUint64(ptr, value, true);
    const isStdio = (fd: number) => fd >= 0 && fd <= 2;
    return {
      args_sizes_get: (argc: number, bufSize: number) => {
        u32(argc, this.args.length);
        u32(bufSize, this.args.reduce((n, a) => n + a.length, 0));
        return Errno.success;
      },
      args_get: (argv: number, buf: number) => {
        let at = buf;
        this.args.forEach((arg, i) => {
          u32(argv + i * 4, at);
          this.bytes(at, arg.length).set(arg);
          at += arg.length;
        });
        return Errno.success;
      },
      environ_sizes_get: (count: number, bufSize: number) => {
        u32(count, 0);
        u32(bufSize, 0);
        return Errno.success;
      },
      environ_get: () => Errno.success,
      fd_read: (fd: number, iovs: number, count: number, nread: number) => {
        if (fd !== 0) return Errno.badf;
        let total = 0;
        for (const [buf, len] of this.iovecs(iovs, count)) {
          const piece = this.stdin.subarray(this.stdinOffset, this.stdinOffset + len);
          this.bytes(buf, piece.length).set(piece);
          this.stdinOffset += piece.length;
          total += piece.length;
          if (piece.length < len) break;
        }
        u32(nread, total);
        return Errno.success;
      },
      fd_write: (fd: number, iovs: number, count: number, nwritten: number) => {
        const sink = fd === 1 ? this.stdout : fd === 2 ? this.stderr : undefined;
        if (!sink) return Errno.badf;
        let total = 0;
        for (const [buf, len] of this.iovecs(iovs, count)) {
          sink.write(this.bytes(buf, len));
          total += len;
        }
        u32(nwritten, total);
        return Errno.success;
      },
      fd_close: (fd: number) => (isStdio(fd) ? Errno.success : Errno.badf),
      fd_fdstat_get: (fd: number, ptr: number) => {
        if (!isStdio(fd)) return Errno.badf;
        this.bytes(ptr, 24).fill(0);
        this.view().setUint8(ptr, Filetype.characterDevice);
        u64(ptr + 8, fd === 0 ? Rights.fdRead : Rights.fdWrite);
        return Errno.success;
      },
      fd_seek: (fd: number) => (isStdio(fd) ? Errno.spipe : Errno.badf),
      fd_tell: (fd: number) => (isStdio(fd) ? Errno.spipe : Errno.badf),
      fd_prestat_get: () => Errno.badf,
      fd_prestat_dir_name: () => Errno.badf,
      clock_res_get: (id: number, ptr: number) => {
        if (id < Clock.realtime || id > Clock.threadCputime) return Errno.inval;
        u64(ptr, 1000n);
        return Errno.success;
      },
      clock_time_get: (id: number, _precision: bigint, ptr: number) => {
        if (id === Clock.realtime) u64(ptr, BigInt(Date.now()) * 1_000_000n);
        else if (id >= Clock.monotonic && id <= Clock.threadCputime) u64(ptr, process.hrtime.bigint());
        else return Errno.inval;
        return Errno.success;
      },
      random_get: (buf: number, len: number) => {
        const target = this.bytes(buf, len);
        // getRandomValues fills at most 65536 bytes per call.
        for (let at = 0; at < len; at += 65536) crypto.getRandomValues(target.subarray(at, Math.min(len, at + 65536)));
        return Errno.success;
      },
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
      sched_yield: () => Errno.success,
    };
  }
}
