import type { Subprocess } from "bun";
import { formatBytes, textNestsDeeper, tooDeepMessage } from "@medusa/core/json-bounds";
import { limits } from "@medusa/core/limits";
import type { Runtime } from "@medusa/core/program";
import { LineTooLong, readLines } from "./lines.ts";
import { cpuSecondsUsed, IdleWatch, residentMb } from "./proc-stats.ts";
import { BoundedText } from "./program-runtime.ts";
import { ParentMessage, RunnerMessage, type PythonStart, type RunnerSandbox } from "./protocol.ts";

/** Bounds on one request; breaking one kills the runner with the given reason. */
export interface RequestLimits {
  timeoutMs: number;
  timeoutMessage: string;
  memoryCapMb: number;
}

const MEMORY_POLL_MS = 200;
/** Room for the envelope around a result at the cap; more than this is a misbehaving runner. */
const MAX_LINE_BYTES = limits.resultBytes + limits.envelopeBytes;
/** Program output is captured inside the runner; this much on stderr per request means something is wrong. */
/** How long after a runner exits its stderr may still be read for the reason. */
const STDERR_GRACE_MS = 500;

/**
 * The parent's handle on one runner process. It holds at most one request
 * at a time (a runner serves one chunk at a time) and turns everything the
 * process might do wrong — die, hang, bloat, send garbage — into a rejected
 * request whose message says which.
 */
export class RunnerProcess {
  readonly pid: number;
  /** Resolves once the runtime is loaded, with how the runner confined itself; rejects if the process dies first. */
  readonly ready: Promise<RunnerSandbox>;
  /** Resolves when the process is gone. */
  readonly exited: Promise<void>;
  jobId: string | undefined;
  /** A Python runner's start, once ready: whether it was restored from the node's snapshot. */
  python: PythonStart | undefined;
  lastUsed = Date.now();
  private alive = true;
  private killReason: string | undefined;
  private pending: { resolve: (m: RunnerMessage) => void; reject: (e: Error) => void } | undefined;
  private readonly stderr = new BoundedText(1000);
  /** Bytes on stderr since the last request began. */
  private stderrBytes = 0;
  private readyGate!: { resolve: (sandbox: RunnerSandbox) => void; reject: (e: Error) => void };
  private nextId = 1;
  private readonly idle: IdleWatch;

  private constructor(
    readonly runtime: Runtime,
    private readonly proc: Subprocess<"pipe", "pipe", "pipe">,
  ) {
    this.pid = proc.pid;
    this.idle = new IdleWatch(proc.pid);
    this.ready = new Promise((resolve, reject) => (this.readyGate = { resolve, reject }));
    this.ready.catch(() => {});
    void this.readStdout();
    const stderrRead = this.readStderr();
    // The exit may be seen before the last of stderr, which holds the reason: wait for it, briefly.
    this.exited = proc.exited.then(() => Promise.race([stderrRead, Bun.sleep(STDERR_GRACE_MS)])).then(() => this.onExit());
  }

  /** Starts a runner with an empty environment: the parent's holds the node token. */
  static spawn(cmd: string[], runtime: Runtime): RunnerProcess {
    const proc = Bun.spawn(cmd, { env: {}, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    return new RunnerProcess(runtime, proc);
  }

  /** False once killed, even before the process is reaped: a killed runner is never reused. */
  get isAlive(): boolean {
    return this.alive && this.killReason === undefined;
  }

  get isBusy(): boolean {
    return this.pending !== undefined;
  }

  /** A request id for `run` messages, unique within this runner. */
  newId(): number {
    return this.nextId++;
  }

  /** Sends one message and waits for the runner's answer, within `limits`. */
  async request(message: ParentMessage, limits: RequestLimits): Promise<RunnerMessage> {
    if (!this.isAlive) throw new Error(this.killReason ?? "runner exited");
    if (this.pending) throw new Error("runner is already serving a request");
    const answer = new Promise<RunnerMessage>((resolve, reject) => (this.pending = { resolve, reject }));
    this.stderrBytes = 0;
    const timer = setTimeout(() => this.kill(limits.timeoutMessage), limits.timeoutMs);
    const poll = setInterval(() => {
      const rss = residentMb(this.pid);
      if (rss !== undefined && rss > limits.memoryCapMb) this.kill(`memory cap of ${limits.memoryCapMb} MB exceeded`);
    }, MEMORY_POLL_MS);
    try {
      this.proc.stdin.write(`${JSON.stringify(message)}\n`);
      this.proc.stdin.flush();
      return await answer;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      this.pending = undefined;
      this.lastUsed = Date.now();
      this.idle.start();
    }
  }

  /** SIGKILL; whatever is pending fails with `reason` once the process is gone. */
  kill(reason: string): void {
    if (!this.alive) return;
    this.killReason ??= reason;
    this.proc.kill("SIGKILL");
  }

  /** CPU seconds the process has used, all threads; undefined where there is no /proc. */
  cpuSeconds(): number | undefined {
    return cpuSecondsUsed(this.pid);
  }

  /** True when, since its last request ended (at least a second ago), the runner kept a thread running or ready to run. */
  workedWhileIdle(): boolean {
    return this.idle.workedSince();
  }

  private async readStdout(): Promise<void> {
    try {
      for await (const line of readLines(this.proc.stdout, MAX_LINE_BYTES)) this.onLine(line);
    } catch (err) {
      this.kill(err instanceof LineTooLong ? `runner output exceeds the ${formatBytes(limits.resultBytes)} limit on a result` : `runner output failed: ${err}`);
    }
  }

  private async readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.proc.stderr) {
        this.stderrBytes += chunk.length;
        if (this.stderrBytes > limits.runnerStderrBytes) return this.kill(`runner wrote more than ${limits.runnerStderrBytes / 1024 / 1024} MiB to stderr`);
        this.stderr.append(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // The process is going away; its exit says why.
    }
  }

  private onLine(line: string): void {
    // Once killed, lines still in the pipe are not heard: the next could answer the request the kill is failing.
    if (this.killReason !== undefined) return;
    // The runner's own lines never nest this deep (resultLine refuses it): this one was forged by the program on fd 1.
    if (textNestsDeeper(line, limits.jsonDepth + 1)) return this.kill(tooDeepMessage("result"));
    let message: RunnerMessage;
    try {
      const parsed = RunnerMessage.safeParse(JSON.parse(line));
      if (!parsed.success) return this.kill("runner sent a malformed message");
      message = parsed.data;
    } catch {
      return this.kill("runner sent a malformed message");
    }
    if (message.type === "ready") {
      this.python = message.python;
      return this.readyGate.resolve(message.sandbox);
    }
    if (!this.pending) return this.kill("runner sent an unexpected message");
    this.pending.resolve(message);
  }

  private onExit(): void {
    this.alive = false;
    const how = this.proc.signalCode ? `signal ${this.proc.signalCode}` : `code ${this.proc.exitCode}`;
    const lines = this.stderr.text().trim().split("\n");
    // When the runtime crashes (as it does when RLIMIT_DATA refuses it memory), its panic line says why, not the bug-report link after it.
    const stderr = lines.find((line) => line.startsWith("panic")) ?? lines.slice(-3).join("\n");
    const reason = this.killReason ?? `runner exited (${how})${stderr ? `: ${stderr}` : ""}`;
    this.readyGate.reject(new Error(reason));
    this.pending?.reject(new Error(reason));
  }
}
