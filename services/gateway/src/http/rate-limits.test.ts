import { afterAll, afterEach, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { ALICE, auth, jsonInit } from "@medusa/testing/fake-services";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import { z } from "zod";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";
import { rateLimitEnv, ratesFromEnv } from "./rate-env.ts";
import { DEFAULT_RATES, RateLimits, type RateLimitConfig } from "./rate-limits.ts";

const rates = (over: Partial<RateLimitConfig>): RateLimitConfig => ({ ...DEFAULT_RATES, ...over });
const minute = (points: number) => ({ points, durationMs: 60_000 });

let t: TestGateway | undefined;
afterEach(() => t?.close());
const gateway = (config: Partial<RateLimitConfig>) => (t = testGateway({ rateLimits: new RateLimits(rates(config)) }));
const signUp = (i: number) => t!.app.request("/v1/accounts", jsonInit(null, { email: `u${i}@example.com`, password: "password1" }));
const login = (password: string) => t!.app.request("/v1/auth/login", jsonInit(null, { email: "a@example.com", password }));

describe("rate limits at the gateway", () => {
  test("sign-ups past the limit get 429 with Retry-After and reach no service", async () => {
    gateway({ signups: minute(3) });
    for (let i = 0; i < 3; i++) expect((await signUp(i)).status).toBe(201);
    const refused = await signUp(3);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as { error: { code: string; message: string; details: { retryAfterSeconds: number } } };
    expect(body.error).toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: retryAfter } });
    expect(body.error.message).toStartWith("too many sign-ups from your address (at most 3 per 60 s): try again in ");
    expect(t!.fakes.calls.createAccount).toHaveLength(3);
  });

  test("failed logins back off: past the limit even the right password waits; a success clears the count", async () => {
    gateway({ loginFailures: minute(2) });
    expect((await login("wrong-1")).status).toBe(401);
    expect((await login("password1")).status).toBe(200);
    for (const p of ["wrong-2", "wrong-3"]) expect((await login(p)).status).toBe(401);
    const backedOff = await login("password1");
    expect(backedOff.status).toBe(429);
    expect(Number(backedOff.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await backedOff.json()) as { error: { message: string } }).error.message).toStartWith("too many failed logins for this account from your address");
  });

  test("logins, node registrations and job submissions are counted too, submissions per account", async () => {
    gateway({ logins: minute(1), nodes: minute(1), jobs: minute(1) });
    expect((await login("password1")).status).toBe(200);
    expect((await login("password1")).status).toBe(429);
    const register = () => t!.app.request("/v1/nodes", jsonInit(ALICE.key, { name: "box" }));
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(429);
    const submit = () => t!.app.request("/v1/jobs", jsonInit(ALICE.key, { program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { items: [1] } }));
    expect((await submit()).status).toBe(202);
    const refused = await submit();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toStartWith("too many job submissions from your address");
    expect((await t!.app.request("/v1/jobs", auth(ALICE.key))).status).toBe(200);
  });

  test("rates from the environment: <count>/<duration>, bad ones named", () => {
    const read = (env: Record<string, string>) => ratesFromEnv(z.object(rateLimitEnv()).parse(env));
    expect(read({})).toEqual(DEFAULT_RATES);
    expect(read({ MEDUSA_RATE_SIGNUPS: "5/10m" }).signups).toEqual({ points: 5, durationMs: 600_000 });
    for (const bad of ["5", "x/1h", "0/1h", "5/10ms", "5/soon"]) expect(() => read({ MEDUSA_RATE_JOBS: bad })).toThrow("is not a rate");
  });
});

describe.skipIf(!(await redisAvailable()))("rate limits over Redis", () => {
  const redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false });
  afterAll(() => redis.quit());

  test("two gateways sharing Redis count together", async () => {
    await new Promise((resolve) => (redis.status === "ready" ? resolve(null) : redis.once("ready", resolve)));
    const prefix = testPrefix("rates");
    const [a, b] = [0, 1].map(() => new RateLimits(rates({ signups: minute(3) }), { redis, prefix }));
    await a!.take("signups", "ip:10.0.0.1", "from your address");
    await b!.take("signups", "ip:10.0.0.1", "from your address");
    await a!.take("signups", "ip:10.0.0.1", "from your address");
    const refused = await b!.take("signups", "ip:10.0.0.1", "from your address").catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "rate_limited" });
    await b!.take("signups", "ip:10.0.0.2", "from your address");
    expect(await redis.keys(`${prefix}:rate:signups*`)).toHaveLength(2);
  });
});
