import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Redis from "ioredis";
import { z } from "zod";
import { JobEvent, MedusaError, notFound } from "@medusa/core";
import type { CompleteOutcome, StoredEvent } from "@medusa/core";
import { LUA_KEYS } from "./redis-keys.ts";

/**
 * Loads the transition scripts in ./lua (resolving `--- @include "name"` from
 * ./lua/includes, and prepending the key builders) and registers each with
 * `defineCommand`, so ioredis calls them by EVALSHA. Also decodes their
 * replies: one function turns the negative codes into outcomes and errors.
 */
const LUA_DIR = join(import.meta.dir, "lua");

/** Script file name → number of KEYS it takes. */
const SCRIPTS = {
  "create-job": 2,
  "add-chunks": 2,
  "seal-job": 2,
  "lease-chunks": 3,
  "complete-chunk": 4,
  "complete-chunks": 2,
  "fail-chunk": 4,
  "renew-leases": 1,
  "requeue-expired": 2,
  "release-node": 3,
  "stop-job": 1,
  "read-events": 1,
  "expire-jobs": 2,
  "split-lease": 2,
  "requeue-splits": 1,
  "claim-settlements": 2,
} as const;
export type ScriptName = keyof typeof SCRIPTS;

export function scriptSource(name: string): string {
  const text = readFileSync(join(LUA_DIR, `${name}.lua`), "utf8");
  const body = text.replace(/^--- @include "([\w-]+)"$/gm, (_, include: string) =>
    readFileSync(join(LUA_DIR, "includes", `${include}.lua`), "utf8"),
  );
  return `${LUA_KEYS}\n${body}`;
}

/** Each script as a command named after it, e.g. `medusaChunkLeaseChunks`. */
export const commandName = (name: ScriptName) =>
  `medusaChunk${name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`;

export function defineScripts(redis: Redis): void {
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as Array<[ScriptName, number]>) {
    const command = commandName(name);
    if (command in redis) continue;
    redis.defineCommand(command, { numberOfKeys, lua: scriptSource(name) });
  }
}

export async function runScript(redis: Redis, name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown> {
  const command = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[commandName(name)];
  if (!command) throw new Error(`script ${name} is not defined`);
  return command.call(redis, ...keys, ...args);
}

/** Every expected failure a script reports. */
export const ScriptCode = {
  ok: 0,
  jobMissing: -1,
  jobFinal: -2,
  notLeaseHolder: -3,
  jobExists: -4,
  jobSealed: -5,
} as const;

export type TransitionResult = "ok" | Extract<CompleteOutcome, "stale" | "job_final">;

/**
 * The one place codes become meaning: "job_final" and "stale" are outcomes
 * callers branch on; a missing job, a duplicate or a sealed job are errors.
 */
export function resultOf(code: number, jobId: string): TransitionResult {
  switch (code) {
    case ScriptCode.ok:
      return "ok";
    case ScriptCode.jobFinal:
      return "job_final";
    case ScriptCode.notLeaseHolder:
      return "stale";
    case ScriptCode.jobMissing:
      throw notFound(`job ${jobId}`);
    case ScriptCode.jobExists:
      throw new MedusaError("conflict", `job ${jobId} already exists`);
    case ScriptCode.jobSealed:
      throw new MedusaError("conflict", `job ${jobId} is sealed: no more chunks`);
    default:
      throw new MedusaError("internal", `chunk store script returned unknown code ${code}`);
  }
}

const Reply = z.tuple([z.number().int(), z.string(), z.number().int().min(0)]).rest(z.unknown());
const StoredEvents = z.array(z.object({ jobId: z.string(), event: JobEvent }));

/** Splits a transition reply (see `reply` in lua/includes/job-state.lua) into its code, its events, the chunks it queued and whatever the script returns after them. */
export function decodeReply(reply: unknown): { code: number; events: StoredEvent[]; queued: number; rest: unknown[] } {
  const [code, events, queued, ...rest] = Reply.parse(reply);
  return { code, events: StoredEvents.parse(JSON.parse(events)), queued, rest };
}
