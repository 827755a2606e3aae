import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** Sign-ups as an attacker would try them, against the embedded stack over real HTTP from one address (127.0.0.1), with the default limits. */
let dir: string;
let stack: Stack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-signups-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0" }), () => {});
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const signUp = (i: number) =>
  fetch(`${stack.url}/v1/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: `bot${i}@example.com`, password: "bot-password" }) });

describe("sign-ups from one address", () => {
  test("200 sign-ups in a minute: the first 20 get 201, every one past the limit 429 with Retry-After", async () => {
    const started = Date.now();
    const statuses: number[] = [];
    const retryAfters: number[] = [];
    // Five at a time: twenty password hashes at once outlast the bus's timeout on a loaded two-core box.
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => signUp(batch * 5 + i)));
      for (const res of answers) {
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfters.push(Number(res.headers.get("retry-after")));
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
        } else await res.body?.cancel();
      }
    }
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(201));
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(180);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    // The window is an hour: each refusal says to come back within it.
    expect(retryAfters.every((s) => s > 0 && s <= 3600)).toBe(true);
  }, 120_000);
});
