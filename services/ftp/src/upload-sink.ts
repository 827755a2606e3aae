import { Writable } from "node:stream";

/**
 * The writable stream ftp-srv pipes an upload's data connection into,
 * feeding a web stream that `consume` writes to the blob store, with
 * backpressure both ways (a slow disk slows the client, never fills memory).
 *
 * The stream finishes (and ftp-srv answers 226) only once `commit` made the
 * bytes a file. A transfer that ends in an error, or whose consumer fails
 * (over the size cap), destroys it instead: ftp-srv answers 550 and the
 * bytes stay a pending upload, for `REST` to resume.
 */
export class UploadSink extends Writable {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private waiting: ((err?: Error | null) => void) | null = null;
  private readonly consumed: Promise<unknown>;
  /** Why the consumer stopped reading (an upload over the cap, a store error): what the client is told. */
  private failure: Error | null = null;

  constructor(consume: (body: ReadableStream<Uint8Array>) => Promise<unknown>, private readonly commit: () => Promise<void>) {
    super({ highWaterMark: 1 << 20 });
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.controller = controller),
        pull: () => this.wake(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 4 << 20 }),
    );
    this.consumed = consume(body);
    this.consumed.catch((err: Error) => {
      this.failure = err;
      this.wake(err);
      // A consumer can fail before ftp-srv has attached its error listener (an
      // upload refused at once, like one past the quota): destroying then would
      // emit an error nobody hears, which ends the process.
      setImmediate(() => this.destroy(err));
    });
    // ftp-srv ends an upload by emitting `close` on the stream it piped into (it expects fs.WriteStream).
    this.once("close", () => {
      if (!this.writableEnded && !this.destroyed) this.end();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    try {
      this.controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch {
      // The consumer cancelled the body before its rejection reached us: its own error says why, not the closed stream's.
      this.consumed.then(
        () => callback(new Error("the upload was stopped")),
        (err: Error) => callback(err),
      );
      return;
    }
    if ((this.controller.desiredSize ?? 0) > 0) callback();
    else this.waiting = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    try {
      this.controller.close();
    } catch {
      // Cancelled by the consumer, which rejects with the reason below.
    }
    this.consumed.then(() => this.commit()).then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    try {
      this.controller.error(err ?? new Error("transfer aborted"));
    } catch {
      // already closed or errored
    }
    this.consumed.then(
      () => callback(err),
      () => callback(err),
    );
  }

  private wake(err?: Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(err);
  }
}
