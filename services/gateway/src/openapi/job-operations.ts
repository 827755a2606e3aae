import { z } from "zod";
import { JobEvent, JobQuote, JobsPage, JobSpec, JobStatus, SessionSpec, SessionStatus } from "@medusa/core";
import { EventsQuery, JobListQuery, ResultsQuery } from "../routes/jobs.ts";
import { named, type Operation } from "./operation.ts";

const jobParam = { id: "The job's id, as `POST /v1/jobs` answered it" };
const sessionParam = { id: "The session's id" };
const jobStatus = named("JobStatus", JobStatus);
const sessionStatus = named("SessionStatus", SessionStatus);

/** Jobs and sessions. */
export const jobOperations: Operation[] = [
  {
    method: "post", path: "/v1/jobs/quote", tag: "jobs", auth: "optional", summary: "What a job would cost (moves nothing)",
    description: "Takes the body of `POST /v1/jobs`. Needs credentials only for a `file` input.",
    body: { json: named("JobSpec", JobSpec) },
    responses: { 200: { description: "The price", json: named("JobQuote", JobQuote) } },
    errors: [401],
  },
  {
    method: "post", path: "/v1/jobs", tag: "jobs", auth: "account", summary: "Submit a job",
    description: "Holds the job's worst case (chunks × replicas × price, or `maxCredits`) in escrow; what is not spent is refunded when it ends.",
    body: { json: named("JobSpec", JobSpec) },
    responses: { 202: { description: "Accepted: the job's status", json: jobStatus } },
    errors: [402, 422],
  },
  {
    method: "get", path: "/v1/jobs", tag: "jobs", auth: "account", summary: "Your jobs, newest first",
    query: JobListQuery,
    responses: { 200: { description: "A page of jobs; `next` is the `before` of the following page", json: named("JobsPage", JobsPage) } },
  },
  {
    method: "get", path: "/v1/jobs/{id}", tag: "jobs", auth: "account", summary: "A job's state, chunk counts and credits",
    params: jobParam,
    responses: { 200: { description: "The job's status", json: jobStatus } },
    errors: [404, 410],
  },
  {
    method: "post", path: "/v1/jobs/{id}/cancel", tag: "jobs", auth: "account", summary: "Cancel a job; what it did not spend is refunded",
    params: jobParam,
    responses: { 200: { description: "The job's status", json: jobStatus } },
    errors: [404, 410],
  },
  {
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
  {
    method: "get", path: "/v1/jobs/{id}/events", tag: "jobs", auth: "account", summary: "A job's live events (WebSocket)",
    description: "Upgrade to a WebSocket (credentials may go in `?token=`). Each frame is one `JobEvent`; the socket closes after the final one. Reconnect with `from` = the last id seen.",
    params: jobParam,
    query: EventsQuery,
    responses: { 101: { description: "Switching to a WebSocket whose frames are JobEvents", json: named("JobEvent", JobEvent) } },
    errors: [404, 410],
  },
  {
    method: "post", path: "/v1/sessions", tag: "sessions", auth: "account", summary: "Start a session (state pinned on nodes, rounds in milliseconds)",
    body: { json: named("SessionSpec", SessionSpec) },
    responses: { 201: { description: "The session", json: sessionStatus } },
    errors: [402, 503],
  },
  {
    method: "get", path: "/v1/sessions/{id}", tag: "sessions", auth: "account", summary: "A session's state, rounds and credits",
    params: sessionParam,
    responses: { 200: { description: "The session", json: sessionStatus } },
    errors: [404],
  },
  {
    method: "delete", path: "/v1/sessions/{id}", tag: "sessions", auth: "account", summary: "End a session and settle it",
    params: sessionParam,
    responses: { 200: { description: "The session", json: sessionStatus } },
    errors: [404],
  },
  {
    method: "get", path: "/v1/sessions/{id}/ws", tag: "sessions", auth: "account", summary: "Drive a session's rounds (WebSocket)",
    description: "Send `{round, params, stream?}` frames; receive SessionEvent frames (`ready`, `partial`, `round`, `error`, `ended`).",
    params: sessionParam,
    responses: { 101: { description: "Switching to a WebSocket" } },
    errors: [404],
  },
];
