import { isAbsolute } from "node:path";
import { z } from "zod";
import { textNestsDeeper, tooDeepMessage, tooLargeResultMessage } from "@medusa/core/json-bounds";
import { limits } from "@medusa/core/limits";
import { PinnedWheel } from "@medusa/core/packages";
import { RunnableProgram, Runtime } from "@medusa/core/program";

/**
 * Messages between the node (parent) and a runner process, one JSON object
 * per line on the runner's stdin/stdout. The runner is where untrusted code
 * lives, so the parent parses everything it reads with these schemas and
 * treats a line that does not parse as the runner misbehaving.
 */
/** 2: `ready` says whether the runner is confined. */
export const RUNNER_PROTOCOL_VERSION = 2;
const v = z.literal(RUNNER_PROTOCOL_VERSION);

/** A runner's limits when the parent gives none: memory it may add once loaded, CPU over its life. */
export const RUNNER_DEFAULTS = { memoryMb: 1024, cpuSeconds: 3600 } as const;

export const RunnerError = z.object({
  message: z.string(),
  itemIndex: z.number().int().min(0).optional(),
  /** The program cannot load anywhere (a SyntaxError): retrying on another node cannot help. */
  deterministic: z.literal(true).optional(),
});
export type RunnerError = z.infer<typeof RunnerError>;

/**
 * The wheels a Python runner loads before it takes a job (`--packages`):
 * the job's pinned set, each file verified by the node and on its disk.
 * Absolute paths, so Pyodide reads them and never tries its CDN instead.
 */
export const RunnerPackages = z.object({
  wheels: z.array(PinnedWheel.extend({ path: z.string().refine(isAbsolute, "a wheel path must be absolute") })).min(1),
});
export type RunnerPackages = z.infer<typeof RunnerPackages>;

/** What a runner could apply of the OS sandbox before it took any job. */
export const RunnerSandbox = z.object({
  /** True when the seccomp filter is on: the runner can open no file, socket or process. */
  os: z.boolean(),
  detail: z.string(),
});
export type RunnerSandbox = z.infer<typeof RunnerSandbox>;

/** How a Python runner got its interpreter: restored from the node's snapshot (python-snapshot.ts) or booted. */
export const PythonStart = z.object({
  snapshot: z.boolean(),
  /** Milliseconds from the start of loading to a usable interpreter. */
  ms: z.number().int().min(0),
  /** Why a snapshot it was given was not used. */
  note: z.string().optional(),
  /**
   * When the runner started compiling Pyodide's module itself, first thing
   * (wasm-early.ts): ms from the runner's start to the module compiled, and
   * how long loading then waited for it.
   */
  compiledEarly: z.object({ readyAtMs: z.number().int().min(0), waitedMs: z.number().int().min(0) }).optional(),
});
export type PythonStart = z.infer<typeof PythonStart>;

/**
 * What a `run` asks of the program: a job's `map`/`reduce` over items, or a
 * session's `setup` (items: `{partition, items}` objects; the states stay in
 * the runner) and `step` (items: one `{params, partitions}`; results are
 * `{partition, value}` objects).
 */
export const RunnerTask = z.enum(["map", "reduce", "setup", "step"]);
export type RunnerTask = z.infer<typeof RunnerTask>;

export const ParentMessage = z.discriminatedUnion("type", [
  z.object({ v, type: z.literal("init"), runtime: Runtime, program: RunnableProgram }),
  /** `binary`: each item is `{name, size, offset?, base64}`, a binary item with its bytes (see python-runtime.ts's File). */
  z.object({ v, type: z.literal("run"), id: z.number().int(), task: RunnerTask, items: z.array(z.unknown()), binary: z.literal(true).optional() }),
]);
export type ParentMessage = z.infer<typeof ParentMessage>;

export const RunnerResult = z.discriminatedUnion("ok", [
  z.object({ v, type: z.literal("result"), id: z.number().int(), ok: z.literal(true), results: z.unknown() }),
  z.object({ v, type: z.literal("result"), id: z.number().int(), ok: z.literal(false), error: RunnerError }),
]);
export type RunnerResult = z.infer<typeof RunnerResult>;

export const RunnerMessage = z.union([
  z.object({ v, type: z.literal("ready"), runtime: Runtime, sandbox: RunnerSandbox, python: PythonStart.optional() }),
  z.object({ v, type: z.literal("loaded") }),
  z.object({ v, type: z.literal("init_error"), message: z.string(), deterministic: z.literal(true).optional() }),
  RunnerResult,
]);
export type RunnerMessage = z.infer<typeof RunnerMessage>;

/** What running one chunk came to, as the pool's callers see it. */
export type ChunkOutcome = { ok: true; results: unknown } | { ok: false; error: RunnerError };

/** Cuts a message to fit ChunkError, keeping the start (the exception line). */
export function truncateMessage(message: string, max = limits.runnerErrorChars): string {
  return message.length <= max ? message : `${message.slice(0, max - 15)}… (truncated)`;
}

/**
 * Builds a result line from a JSON text the runtime already produced, so a
 * large result is never parsed and re-serialised in the runner. `body` is
 * `{"ok":...}`; the envelope fields are spliced in front. This is the first
 * place a result's bounds are enforced: one over the size or depth limit
 * leaves as an error naming the limit, never as the result.
 */
export function resultLine(id: number, body: string): string {
  const problem = bodyProblem(body);
  if (problem === undefined) return `{"v":${RUNNER_PROTOCOL_VERSION},"type":"result","id":${id},${body.slice(1)}`;
  return JSON.stringify({ v: RUNNER_PROTOCOL_VERSION, type: "result", id, ok: false, error: { message: problem } } satisfies RunnerMessage);
}

/** What a body holds besides the result: `{"ok":true,"results":` and the closing brace. */
const BODY_WRAPPER_BYTES = '{"ok":true,"results":}'.length;

function bodyProblem(body: string): string | undefined {
  const resultBytes = Buffer.byteLength(body) - BODY_WRAPPER_BYTES;
  if (resultBytes > limits.resultBytes) return tooLargeResultMessage(resultBytes);
  // The body's own object is one level; the result sits inside it.
  if (textNestsDeeper(body, limits.jsonDepth + 1)) return tooDeepMessage("result");
  return undefined;
}
