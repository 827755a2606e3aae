import { z } from "zod";
import { JobQuote, JobRun, JobsPage, JobSpec, JobStatus } from "../api.ts";
import { JobEvent } from "../job.ts";
import { SessionRoundBody, SessionRoundResult, SessionSpec, SessionStatus } from "../session.ts";
import { EventsQuery, JobListQuery, ResultsQuery, SubmitQuery } from "./queries.ts";
import { named, type Operation } from "./operation.ts";

const jobParam = { id: "The job's id, as `POST /v1/jobs` answered it" };
const sessionParam = { id: "The session's id" };
const jobStatus = named("JobStatus", JobStatus);
const sessionStatus = named("SessionStatus", SessionStatus);

/** Jobs and sessions. */
export const jobOperations = {
  quoteJob: {
    method: "post", path: "/v1/jobs/quote", tag: "jobs", auth: "optional", summary: "What a job would cost (moves nothing)",
    description: "Takes the body of `POST /v1/jobs`. Needs credentials only for a `file` input.",
    body: { json: named("JobSpec", JobSpec) },
    responses: { 200: { description: "The price", json: named("JobQuote", JobQuote) } },
    errors: [401],
  },
  submitJob: {
    method: "post", path: "/v1/jobs", tag: "jobs", auth: "account", summary: "Submit a job",
    description:
      "Holds the job's worst case (chunks × replicas × price, or `maxCredits`) in escrow; what is not spent is refunded when it ends. " +
      "`wait` (seconds, capped at 300) submits and waits in one request, for small jobs: the answer is held until the job ends, then it is 200 with the job's status and its results. " +
      "If the wait runs out first, the answer is the plain 202 with the job's status: read the results from `GET /v1/jobs/{id}/results?wait=`.",
    query: SubmitQuery,
    body: { json: named("JobSpec", JobSpec) },
    responses: {
      200: { description: "With `wait`: the job ended (done, failed or cancelled) within it; its status and results", json: named("JobRun", JobRun) },
      202: { description: "Accepted: the job's status (with `wait`: it had not ended when the wait ran out)", json: jobStatus },
    },
    errors: [402, 403, 422, 429],
  },
  listJobs: {
    method: "get", path: "/v1/jobs", tag: "jobs", auth: "account", summary: "Your jobs, newest first",
    query: JobListQuery,
    responses: { 200: { description: "A page of jobs; `next` is the `before` of the following page", json: named("JobsPage", JobsPage) } },
  },
  getJob: {
    method: "get", path: "/v1/jobs/{id}", tag: "jobs", auth: "account", summary: "A job's state, chunk counts and credits",
    params: jobParam,
    responses: { 200: { description: "The job's status", json: jobStatus } },
    errors: [404, 410],
  },
  cancelJob: {
    method: "post", path: "/v1/jobs/{id}/cancel", tag: "jobs", auth: "account", summary: "Cancel a job; what it did not spend is refunded",
    params: jobParam,
    responses: { 200: { description: "The job's status", json: jobStatus } },
    errors: [404, 410],
  },
  jobResults: {
    method: "get", path: "/v1/jobs/{id}/results", tag: "jobs", auth: "account", summary: "A job's results",
    description:
      "A done job: JSON Lines, one result per input item in input order (or the `reduce` value as JSON). A failed job: what finished, with a line `{\"error\", \"chunk\"}` in place of each chunk that did not. " +
      "`wait` holds the request until the job ends (capped at 300 s). `partial=1` answers the completed prefix in input order whatever the state; with `wait` it goes on as chunks land; `offset` skips items already read; a job that stopped short ends it with an error line.",
    params: jobParam,
    query: ResultsQuery,
    responses: {
      200: {
        description: "The results",
        other: { "application/x-ndjson": "one JSON value per line, in input order" },
        json: z.unknown().describe("a job with a reduce: the value it returned, any JSON"),
        headers: { "x-medusa-job-state": "with partial=1: the job's state when the answer began" },
      },
    },
    errors: [404, 409, 410],
  },
  jobEvents: {
    method: "get", path: "/v1/jobs/{id}/events", tag: "jobs", auth: "account", summary: "A job's live events (WebSocket, or Server-Sent Events)",
    description:
      "Upgrade to a WebSocket (credentials may go in `?token=`). Each frame is one `JobEvent`; the socket closes after the final one. Reconnect with `from` = the last id seen. " +
      "Or send `Accept: text/event-stream` for the same events as Server-Sent Events: each event's `id` is the SSE id, a `Last-Event-ID` header resumes after it (it wins over `from`), and the stream ends after the final event.",
    params: jobParam,
    query: EventsQuery,
    responses: {
      101: { description: "Switching to a WebSocket whose frames are JobEvents", json: named("JobEvent", JobEvent) },
      200: { description: "Server-Sent Events", other: { "text/event-stream": "`id: <event id>` and `data: <JobEvent as JSON>` per event; `: keep-alive` comments in between" } },
    },
    errors: [404, 410],
  },
  createSession: {
    method: "post", path: "/v1/sessions", tag: "sessions", auth: "account", summary: "Start a session (state pinned on nodes, rounds in milliseconds)",
    body: { json: named("SessionSpec", SessionSpec) },
    responses: { 201: { description: "The session", json: sessionStatus } },
    errors: [402, 403, 429, 503],
  },
  getSession: {
    method: "get", path: "/v1/sessions/{id}", tag: "sessions", auth: "account", summary: "A session's state, rounds and credits",
    params: sessionParam,
    responses: { 200: { description: "The session", json: sessionStatus } },
    errors: [404],
  },
  endSession: {
    method: "delete", path: "/v1/sessions/{id}", tag: "sessions", auth: "account", summary: "End a session and settle it",
    params: sessionParam,
    responses: { 200: { description: "The session", json: sessionStatus } },
    errors: [404],
  },
  sessionRound: {
    method: "post", path: "/v1/sessions/{id}/rounds", tag: "sessions", auth: "account", summary: "Run one round over plain HTTP",
    description: "A long request answered when the round completes. Sent while the session is still setting up, it waits for it. Rounds are numbered 1, 2, …",
    params: sessionParam,
    body: { json: named("SessionRoundBody", SessionRoundBody) },
    responses: { 200: { description: "The round's partials, in partition order", json: named("SessionRoundResult", SessionRoundResult) } },
    errors: [404, 409],
  },
  sessionSocket: {
    method: "get", path: "/v1/sessions/{id}/ws", tag: "sessions", auth: "account", summary: "Drive a session's rounds (WebSocket)",
    description: "Send `{round, params, stream?}` frames; receive SessionEvent frames (`ready`, `partial`, `round`, `error`, `ended`).",
    params: sessionParam,
    responses: { 101: { description: "Switching to a WebSocket" } },
    errors: [404],
  },
} as const satisfies Record<string, Operation>;
