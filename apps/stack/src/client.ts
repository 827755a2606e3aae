import { CreatedAccount, Me, JobEvent, JobQuote, JobsPage, JobSpec, JobStatus, LedgerPage, SessionSpec, SessionStatus } from "@medusa/core";
import { SessionSocket } from "./session-client.ts";
import type { z } from "zod";

/** A non-2xx answer of the API: its status and the body's error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

/** A small client for API v1, used by the demo, the end-to-end tests and the benchmarks. */
export class MedusaClient {
  constructor(
    readonly url: string,
    readonly apiKey?: string,
  ) {}

  withKey(apiKey: string): MedusaClient {
    return new MedusaClient(this.url, apiKey);
  }

  async request(method: string, path: string, body?: unknown, raw = false): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let payload: RequestInit["body"] | undefined;
    if (raw) payload = body as RequestInit["body"];
    else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const res = await fetch(this.url + path, { method, headers, body: payload });
    if (!res.ok) {
      const err = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      throw new ApiError(res.status, err.error?.code ?? "unknown", err.error?.message ?? res.statusText);
    }
    return res;
  }

  private async json<T extends z.ZodType>(schema: T, method: string, path: string, body?: unknown): Promise<z.infer<T>> {
    return schema.parse(await (await this.request(method, path, body)).json());
  }

  signUp(email: string, password: string) {
    return this.json(CreatedAccount, "POST", "/v1/accounts", { email, password });
  }
  me() {
    return this.json(Me, "GET", "/v1/me");
  }
  ledger(query: { limit?: number; before?: number } = {}) {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    return this.json(LedgerPage, "GET", `/v1/me/ledger${params.size ? `?${params}` : ""}`);
  }
  upload(path: string, body: RequestInit["body"]) {
    return this.request("PUT", `/v1/files/${path}`, body, true).then((r) => r.json());
  }
  /** What submitting `spec` would cost; moves nothing. */
  quote(spec: z.input<typeof JobSpec>) {
    return this.json(JobQuote, "POST", "/v1/jobs/quote", spec);
  }
  submit(spec: z.input<typeof JobSpec>) {
    return this.json(JobStatus, "POST", "/v1/jobs", spec);
  }
  /** A page of the caller's jobs, newest first; pass `next` as `before` for the following page. */
  jobs(query: { limit?: number; before?: string } = {}) {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    return this.json(JobsPage, "GET", `/v1/jobs${params.size ? `?${params}` : ""}`);
  }
  job(id: string) {
    return this.json(JobStatus, "GET", `/v1/jobs/${id}`);
  }
  cancel(id: string) {
    return this.json(JobStatus, "POST", `/v1/jobs/${id}/cancel`);
  }
  async resultText(id: string): Promise<string> {
    return (await this.request("GET", `/v1/jobs/${id}/results`)).text();
  }
  /** Map results, one per input item, in input order. */
  async results(id: string): Promise<unknown[]> {
    const text = await this.resultText(id);
    return text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
  }

  createSession(spec: z.input<typeof SessionSpec>) {
    return this.json(SessionStatus, "POST", "/v1/sessions", spec);
  }
  session(id: string) {
    return this.json(SessionStatus, "GET", `/v1/sessions/${id}`);
  }
  endSession(id: string) {
    return this.json(SessionStatus, "DELETE", `/v1/sessions/${id}`);
  }
  /** The session's WebSocket, to drive rounds. */
  openSession(id: string): SessionSocket {
    return new SessionSocket(this.url, this.apiKey ?? "", id);
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
