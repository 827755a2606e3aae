import type { Bus } from "@medusa/core";
import type { Log } from "../http/types.ts";
import { JobEventStream } from "./event-stream.ts";

/** Often enough that proxies and clients' read timeouts see a live connection. */
const HEARTBEAT_MS = 15_000;

/**
 * A job's events as Server-Sent Events, for clients without a WebSocket
 * (Python's standard library, curl): the same events in the same order as
 * the socket, each with its id as the SSE `id`, so a client that lost the
 * connection reconnects with `Last-Event-ID` and gets every later event
 * once. The stream ends after the final event, or at once for a job already
 * final once the stored events are out.
 */
export function jobEventsSse(
  deps: { bus: Bus; log: Log; streams: Set<JobEventStream> },
  job: { owner: string; jobId: string; from: number; finalOnConnect: boolean },
  signal: AbortSignal,
): Response {
  const encoder = new TextEncoder();
  let stream: JobEventStream | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    clearInterval(heartbeat);
    if (!stream) return;
    stream.stop();
    deps.streams.delete(stream);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const write = (text: string) => open && controller.enqueue(encoder.encode(text));
      stream = new JobEventStream({ bus: deps.bus, log: deps.log }, job, {
        send: (text, event) => write(`id: ${event.id}\ndata: ${text}\n\n`),
        close: () => {
          if (!open) return;
          open = false;
          stop();
          controller.close();
        },
      });
      deps.streams.add(stream);
      heartbeat = setInterval(() => write(": keep-alive\n\n"), HEARTBEAT_MS);
      signal.addEventListener("abort", stop, { once: true });
      write("retry: 1000\n\n");
      void stream.start();
    },
    cancel: stop,
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" } });
}
