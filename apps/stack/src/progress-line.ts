import type { ChunkCounts } from "@medusa/core";

/**
 * A live progress line: redrawn in place on a terminal, one line per tenth
 * of the job otherwise (so CI logs stay short but still show movement).
 */
export class ProgressLine {
  private readonly started = performance.now();
  private lastTenth = -1;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly width = 30,
  ) {}

  update(chunks: ChunkCounts, items: number): void {
    const fraction = chunks.total ? chunks.done / chunks.total : 0;
    const filled = Math.round(fraction * this.width);
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round((items * fraction) / seconds) : 0;
    const line = `[${"#".repeat(filled)}${".".repeat(this.width - filled)}] ${chunks.done}/${chunks.total} chunks  ${chunks.running} running  ${chunks.failed} failed attempts  ${rate} items/s`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`${line}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write("\n");
  }
}
