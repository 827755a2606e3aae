import { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { accountFileKey, call, EventsQuery, JobListQuery, ResultsQuery, checkFilePath, isFinal, JobSpec, MedusaError, parseOrThrow, subjects, SubmitQuery, type BlobStore, type Bus } from "@medusa/core";
import { accountIfAny, requireAccount, type TokenVerifier } from "../http/auth.ts";
import { jsonBody } from "../http/json-body.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import type { HttpEnv, Log } from "../http/types.ts";
import { keepOpen } from "../http/long-request.ts";
import { jobEventsSse } from "../jobs/event-sse.ts";
import { JobEventStream } from "../jobs/event-stream.ts";
import { submitAndWait } from "../jobs/job-run.ts";
import { waitUntilFinal } from "../jobs/job-watch.ts";
import { partialResultsBody } from "../jobs/partial-results.ts";
import { jobResultsBody } from "../jobs/results-stream.ts";
import type { PackagePinner } from "../packages/package-pinner.ts";

export interface JobRoutesDeps {
  bus: Bus;
  blobs: BlobStore;
  verifier: TokenVerifier;
  maxJsonBytes: number;
  log: Log;
  /** Open event sockets, so the gateway can close them when it stops. */
  streams: Set<JobEventStream>;
  packages: PackagePinner;
  /** Submissions per account and address. */
  rates: RateLimits;
}


/** An SSE client's resume point; it wins over `?from=`, which named where the first connection started. */
function lastEventId(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const id = Number(header);
  if (!Number.isInteger(id) || id < 0) throw new MedusaError("invalid_field", "last-event-id: expected the id of an event, a whole number", { issues: [{ field: "last-event-id", message: "expected a whole number" }] });
  return id;
}

function missingFile(field: string, path: string) {
  const message = `no file named ${path}; upload it with PUT /v1/files/${path} first`;
  return new MedusaError("invalid_field", `${field}: ${message}`, { issues: [{ field, message }] });
}

/** The caller's jobs: price, submit, watch, read results, cancel. Mounted at `/v1/jobs`. */
export function jobRoutes(deps: JobRoutesDeps) {
  const { bus, blobs } = deps;
  const fileExists = async (owner: string, path: string, field: string) => {
    checkFilePath(path, field);
    if (!(await blobs.stat(accountFileKey(owner, path)))) throw missingFile(field, path);
  };

  return new Hono<HttpEnv>()
    // Registered before the account check below, so it answers anyone: the
    // price of a job without a file needs no account. Nothing moves.
    .post("/quote", jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const account = await accountIfAny(c, deps.verifier);
      const spec = parseOrThrow(JobSpec, c.var.body);
      if ("file" in spec.input) {
        if (!account) throw new MedusaError("unauthorized", "input.file: a file input names one of your files: send your credentials to price it");
        await fileExists(account.accountId, spec.input.file, "input.file");
      }
      return c.json(await call(bus, subjects.quoteJob, { owner: account?.accountId, spec }));
    })
    .use(requireAccount({ verifier: deps.verifier }))
    .post("/", deps.rates.limit("jobs"), jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const owner = c.var.account.accountId;
      const { wait } = parseOrThrow(SubmitQuery, c.req.query(), "query");
      const spec = parseOrThrow(JobSpec, c.var.body);
      if (spec.program.runtime === "wasi") await fileExists(owner, spec.program.module, "program.module");
      if ("file" in spec.input) await fileExists(owner, spec.input.file, "input.file");
      const packageSet = await deps.packages.pin(owner, spec);
      if (wait === 0) return c.json(await call(bus, subjects.createJob, { owner, spec, ...(packageSet ? { packageSet } : {}) }), 202);
      keepOpen(c);
      const answer = await submitAndWait(bus, { owner, spec, packageSet, deadline: Date.now() + wait * 1000, signal: c.req.raw.signal });
      return answer.ended ? c.json(answer.run, 200) : c.json(answer.status, 202);
    })
    .get("/", async (c) => {
      const { limit, before } = parseOrThrow(JobListQuery, c.req.query(), "query");
      return c.json(await call(bus, subjects.listJobs, { owner: c.var.account.accountId, limit, before }));
    })
    .get("/:id", async (c) => c.json(await call(bus, subjects.getJob, { owner: c.var.account.accountId, jobId: c.req.param("id") })))
    .post("/:id/cancel", async (c) => c.json(await call(bus, subjects.cancelJob, { owner: c.var.account.accountId, jobId: c.req.param("id") })))
    .get("/:id/results", async (c) => {
      const { wait, partial, offset } = parseOrThrow(ResultsQuery, c.req.query(), "query");
      const owner = c.var.account.accountId;
      const jobId = c.req.param("id");
      const deadline = Date.now() + wait * 1000;
      if (wait > 0) keepOpen(c);
      if (partial) {
        const { state, body } = await partialResultsBody(bus, owner, jobId, { offset, deadline });
        return new Response(body, { headers: { "content-type": "application/x-ndjson", "x-medusa-job-state": state } });
      }
      if (wait > 0) await waitUntilFinal(bus, owner, jobId, deadline, { signal: c.req.raw.signal });
      const { contentType, body } = await jobResultsBody(bus, owner, jobId);
      return new Response(body, { headers: { "content-type": contentType } });
    })
    .get(
      "/:id/events",
      async (c, next) => {
        if (c.req.header("upgrade")?.toLowerCase() === "websocket") return next();
        if (!c.req.header("accept")?.includes("text/event-stream")) {
          throw new MedusaError("bad_request", "connect with an Upgrade: websocket request, or ask for Server-Sent Events with Accept: text/event-stream");
        }
        const owner = c.var.account.accountId;
        const jobId = c.req.param("id");
        const from = lastEventId(c.req.header("last-event-id")) ?? parseOrThrow(EventsQuery, c.req.query(), "query").from;
        const job = await call(bus, subjects.getJob, { owner, jobId });
        keepOpen(c);
        return jobEventsSse(deps, { owner, jobId, from, finalOnConnect: isFinal(job.state) }, c.req.raw.signal);
      },
      upgradeWebSocket(async (c) => {
        const owner = (c.var as HttpEnv["Variables"]).account.accountId;
        const jobId = c.req.param("id")!;
        const { from } = parseOrThrow(EventsQuery, c.req.query(), "query");
        // Ownership is checked before the upgrade, so a stranger gets a plain 404.
        const job = await call(bus, subjects.getJob, { owner, jobId });
        let stream: JobEventStream | undefined;
        return {
          onOpen(_event, ws) {
            stream = new JobEventStream({ bus, log: deps.log }, { owner, jobId, from, finalOnConnect: isFinal(job.state) }, {
              send: (text) => ws.send(text),
              close: (code, reason) => ws.close(code, reason),
            });
            deps.streams.add(stream);
            void stream.start();
          },
          onClose() {
            if (!stream) return;
            stream.stop();
            deps.streams.delete(stream);
          },
        };
      }),
    );
}
