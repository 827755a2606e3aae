import type { RunnableProgram } from "@medusa/core/program";
import type { RunnerTask } from "./protocol.ts";

/** One language's way of loading a program and running a chunk of it, inside a runner process. */
export interface ProgramRuntime {
  /**
   * Why the program can load on no node at all (Python: it does not compile),
   * found without running any of it; such a job fails at once, not retried.
   */
  check?(program: RunnableProgram): string | undefined;
  /** Loads the job's program; returns an error message when it cannot. */
  init(program: RunnableProgram): Promise<string | undefined>;
  /**
   * Runs one chunk and returns the JSON text `{"ok":true,"results":...}` or
   * `{"ok":false,"error":{...}}`; text, so results are serialised only once.
   */
  run(task: RunnerTask, items: unknown[], binary?: boolean): Promise<string>;
}

/** Keeps the last `max` characters written to it: enough to explain a failure, never a memory risk. */
export class BoundedText {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  append(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > this.max * 2) this.compact();
  }

  text(): string {
    this.compact();
    return this.parts.join("");
  }

  clear(): void {
    this.parts = [];
    this.size = 0;
  }

  private compact(): void {
    const joined = this.parts.join("");
    const kept = joined.length > this.max ? joined.slice(-this.max) : joined;
    this.parts = [kept];
    this.size = kept.length;
  }
}

export const okBody = (resultsJson: string) => `{"ok":true,"results":${resultsJson}}`;
export const errorBody = (message: string, itemIndex?: number) =>
  JSON.stringify({ ok: false, error: itemIndex === undefined ? { message } : { message, itemIndex } });
