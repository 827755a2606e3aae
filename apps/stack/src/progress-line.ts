import type { ChunkCounts } from "@medusa/core";

/**
 * A live progress line: redrawn in place on a terminal, one line per tenth
 * of the job otherwise (so CI logs stay short but still show movement).
 * Until the splitter has produced a chunk there is nothing to count, and the
 * line says so rather than show "0/0 chunks".
 */
export class ProgressLine {
  private readonly started = performance.now();
  private lastStep: number | null = null;
  private sealed = false;

  constructor(
    private readonly out: Pick<NodeJS.WriteStream, "write" | "isTTY"> = process.stdout,
    private readonly width = 30,
  ) {}

  /** `sealed`, when the event says it: no more chunks will come (an empty input has none at all). */
  update(chunks: ChunkCounts, items: number, sealed?: boolean): void {
    if (sealed !== undefined) this.sealed = sealed;
    const splitting = chunks.total === 0 && !this.sealed;
    const fraction = chunks.total ? chunks.done / chunks.total : 0;
    const filled = Math.round(fraction * this.width);
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round((items * fraction) / seconds) : 0;
    const bar = `[${"#".repeat(filled)}${".".repeat(this.width - filled)}]`;
    const line = splitting
      ? `${bar} splitting the input into chunks…`
      : `${bar} ${chunks.done}/${chunks.total} chunks  ${chunks.running} running  ${chunks.failed} failed attempts  ${rate} items/s`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      return;
    }
    const step = splitting ? -1 : Math.floor(fraction * 10);
    if (step !== this.lastStep) {
      this.lastStep = step;
      this.out.write(`${line}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write("\n");
  }
}
