import type { z } from "zod";
import { JobEvent, JobRun, JobStatus, type JobSpec, type OperationName, type SessionSpec } from "@medusa/core";
import { ApiError } from "./api-error.ts";
import { callJson, send, type CallArgs, type RawBody, type Reply } from "./operations.ts";
import { jsonLines } from "./results.ts";
import { SessionSocket } from "./session-socket.ts";
import { uploadResumable, type UploadOptions } from "./upload.ts";

/**
 * Medusa's API v1 from TypeScript: the CLI, the demo, the examples, the
 * benchmarks and the end-to-end tests use it. Every method is one route of
 * the table in core (`apiOperations`), typed from its schemas.
 */
export class MedusaClient {
  constructor(
    readonly url: string,
    readonly apiKey?: string,
  ) {}

  withKey(apiKey: string): MedusaClient {
    return new MedusaClient(this.url, apiKey);
  }

  /** Any route by name: `call("getJob", { path: { id } })`. */
  call<N extends OperationName>(name: N, args: CallArgs<N>): Promise<Reply<N>> {
    return callJson(this.url, this.apiKey, name, args);
  }

  /** Any path, for what the table's typed calls do not cover (tests of refusals, raw bodies). Throws ApiError on a non-2xx. */
  async request(method: string, path: string, body?: unknown, raw = false): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let payload: RawBody | undefined;
    if (raw) payload = body as RawBody;
    else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const res = await fetch(this.url + path, { method, headers, body: payload });
    if (!res.ok) throw await ApiError.of(res);
    return res;
  }

  signUp(email: string, password: string) {
    return this.call("signUp", { body: { email, password } });
  }
  login(email: string, password: string) {
    return this.call("login", { body: { email, password } });
  }
  pricing() {
    return this.call("pricing", {});
  }
  me() {
    return this.call("me", {});
  }
  ledger(query: { limit?: number; before?: number } = {}) {
    return this.call("ledger", { query });
  }

  files() {
    return this.call("files", {});
  }
  /** One request with the whole body. */
  upload(path: string, body: RawBody) {
    return this.call("uploadFile", { path: { path }, body });
  }
  /** A resumable upload in pieces, with progress; run again after an interruption, it sends only the rest. */
  uploadFile(path: string, file: Blob, opts?: UploadOptions) {
    return uploadResumable(this.url, this.apiKey ?? "", path, file, opts);
  }
  async download(path: string): Promise<Response> {
    return send(this.url, this.apiKey, "downloadFile", { path: { path } });
  }

  /** What submitting `spec` would cost; moves nothing. */
  quote(spec: z.input<typeof JobSpec>) {
    return this.call("quoteJob", { body: spec });
  }
  submit(spec: z.input<typeof JobSpec>) {
    return this.call("submitJob", { body: spec });
  }
  /**
   * Submits `spec` and waits for the job to end, in one request for a job
   * that ends within the gateway's wait (`POST /v1/jobs?wait=`): its status
   * with `results` (one per input item, in input order; a failed job's with
   * `{error, chunk}` in place of each chunk that did not finish) or a
   * reduce's `reduce`. Not ended when the gateway's wait runs out (202), or
   * with results too big for one answer, it goes on with the results route.
   * Past `wait` seconds in all (default 300) the status comes back without
   * results: the job goes on, read it later. `submitWait` holds the submit
   * for less than that (behind a proxy that cuts quiet requests sooner).
   */
  async run(spec: z.input<typeof JobSpec>, opts: { wait?: number; submitWait?: number } = {}): Promise<JobRun> {
    const wait = opts.wait ?? 300;
    const deadline = Date.now() + wait * 1000;
    const res = await send(this.url, this.apiKey, "submitJob", { body: spec, query: { wait: Math.min(wait, opts.submitWait ?? wait) } });
    if (res.status === 200) {
      const run = JobRun.parse(await res.json());
      if (run.results !== undefined || run.reduce !== undefined || run.state === "cancelled") return run;
      return this.awaitRun(run, deadline);
    }
    return this.awaitRun(JobStatus.parse(await res.json()), deadline);
  }

  /** `run`'s way on: the results route held until the job ends or `deadline` (ms) passes. */
  private async awaitRun(status: JobStatus, deadline: number): Promise<JobRun> {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return status;
      let res: Response;
      try {
        res = await send(this.url, this.apiKey, "jobResults", { path: { id: status.id }, query: { wait: left / 1000 } });
      } catch (err) {
        // 409: still running when that wait ran out, or cancelled (no results to read).
        if (!(err instanceof ApiError && err.status === 409)) throw err;
        status = await this.job(status.id);
        if (status.state === "cancelled") return status;
        continue;
      }
      const reduce = res.headers.get("content-type")?.startsWith("application/json");
      const text = await res.text();
      const final = await this.job(status.id);
      if (reduce) return { ...final, reduce: JSON.parse(text) };
      return { ...final, results: text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l)) };
    }
  }

  /** A page of the caller's jobs, newest first; pass `next` as `before` for the following page. */
  jobs(query: { limit?: number; before?: string } = {}) {
    return this.call("listJobs", { query });
  }
  job(id: string) {
    return this.call("getJob", { path: { id } });
  }
  cancel(id: string) {
    return this.call("cancelJob", { path: { id } });
  }

  /** The results as they stream: JSON Lines (or a reduce's JSON). `wait` seconds holds the request until the job ends. */
  async resultsBody(id: string, opts: { wait?: number } = {}): Promise<ReadableStream<Uint8Array>> {
    return (await send(this.url, this.apiKey, "jobResults", { path: { id }, query: { wait: opts.wait } })).body!;
  }
  async resultText(id: string, opts: { wait?: number } = {}): Promise<string> {
    return new Response(await this.resultsBody(id, opts)).text();
  }
  /** Map results, one per input item, in input order. */
  async results(id: string, opts: { wait?: number } = {}): Promise<unknown[]> {
    return (await this.resultText(id, opts)).split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
  }
  /**
   * The completed prefix of a job's results, item by item as chunks land
   * (`?partial=1`), for up to `wait` seconds; a job that stopped short ends
   * it with a `{error, chunk}` line. `offset` skips items already read.
   */
  async *resultItems(id: string, opts: { wait?: number; offset?: number } = {}): AsyncGenerator<unknown> {
    const res = await send(this.url, this.apiKey, "jobResults", { path: { id }, query: { partial: "1", wait: opts.wait, offset: opts.offset } });
    yield* jsonLines(res.body!);
  }

  createSession(spec: z.input<typeof SessionSpec>) {
    return this.call("createSession", { body: spec });
  }
  session(id: string) {
    return this.call("getSession", { path: { id } });
  }
  endSession(id: string) {
    return this.call("endSession", { path: { id } });
  }
  /** The session's WebSocket, to drive rounds. */
  openSession(id: string): SessionSocket {
    return new SessionSocket(this.url, this.apiKey ?? "", id);
  }

  nodes() {
    return this.call("listNodes", {});
  }
  registerNode(name: string) {
    return this.call("registerNode", { body: { name } });
  }

  /** Follows a job's events until it ends; resolves with the final status. */
  follow(id: string, onEvent: (e: JobEvent) => void = () => {}): Promise<JobStatus> {
    const ws = new WebSocket(`${this.url.replace(/^http/, "ws")}/v1/jobs/${id}/events?token=${encodeURIComponent(this.apiKey ?? "")}`);
    return new Promise((resolve, reject) => {
      ws.onmessage = (m) => onEvent(JobEvent.parse(JSON.parse(String(m.data))));
      ws.onerror = () => reject(new Error(`events socket of job ${id} failed`));
      ws.onclose = () => this.job(id).then(resolve, reject);
    });
  }
}
