import { z } from "zod";
import { limits } from "./limits.ts";
import { PackageSet } from "./packages.ts";

export const Runtime = z.enum(["python", "wasi"]);
export type Runtime = z.infer<typeof Runtime>;

export const PythonProgram = z.object({
  runtime: z.literal("python"),
  source: z.string().min(1, "source is empty").max(limits.sourceBytes, `source is over ${limits.sourceBytes} bytes`),
});
export const WasiProgram = z.object({
  runtime: z.literal("wasi"),
  /** Path of an uploaded .wasm file, relative to the caller's files. */
  module: z.string().min(1),
});
export const Program = z.discriminatedUnion("runtime", [PythonProgram, WasiProgram]);
export type Program = z.infer<typeof Program>;

/** A Python program with the packages the gateway pinned for it at submission: what is stored and what nodes run. */
export const PinnedPythonProgram = PythonProgram.extend({ packages: PackageSet.optional() });
export type PinnedPythonProgram = z.infer<typeof PinnedPythonProgram>;

/** A job's program as the scheduler keeps it. */
export const StoredProgram = z.discriminatedUnion("runtime", [PinnedPythonProgram, WasiProgram]);
export type StoredProgram = z.infer<typeof StoredProgram>;

/** What a node receives: the program made self-contained (WASI bytes inline, packages pinned). */
export const RunnableProgram = z.discriminatedUnion("runtime", [
  PinnedPythonProgram,
  z.object({ runtime: z.literal("wasi"), moduleBase64: z.string().min(1) }),
]);
export type RunnableProgram = z.infer<typeof RunnableProgram>;

/** A job runs `reduce` after all maps when its Python source defines one at top level. */
export function definesReduce(program: Program): boolean {
  return program.runtime === "python" && /^def\s+reduce\s*\(/m.test(program.source);
}

export const Task = z.enum(["map", "reduce"]);
export type Task = z.infer<typeof Task>;
