import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KMEANS_PROGRAM } from "../../../examples/kmeans/kmeans.ts";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * The Python client (clients/python/medusa.py) run by the machine's python3
 * against the embedded stack: each test runs one scenario of
 * clients/python/tests/scenarios.py as a fresh account and checks what it printed.
 */
const root = resolve(import.meta.dir, "../../..");
const clientDir = join(root, "clients/python");
let dir: string;
let stack: Stack;
let accounts = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-python-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "2", MEDUSA_NODE_SLOTS: "1" }), () => {});
}, 180_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function account() {
  const anon = new MedusaClient(stack.url);
  const { apiKey } = await anon.signUp(`py-${++accounts}@example.com`, "python-password");
  return { apiKey, client: anon.withKey(apiKey) };
}

/** Runs a scenario as a fresh account (or with `env` as given); returns its JSON line and stderr. */
async function scenario(name: string, args: string[] = [], env?: Record<string, string>) {
  const home = mkdtempSync(join(dir, "home-"));
  const credentials = env ?? { MEDUSA_URL: stack.url, MEDUSA_API_KEY: (await account()).apiKey };
  const proc = Bun.spawn(["python3", join(clientDir, "tests/scenarios.py"), name, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: home, PYTHONPATH: clientDir, ...credentials },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`scenario ${name} exited ${code}:\n${err}`);
  return { result: JSON.parse(out.trim().split("\n").at(-1)!), stderr: err, home };
}

describe("the Python client against the embedded stack", () => {
  test("Executor.map over 10,000 items equals the built-in map, with module-level helpers sent along and a progress bar", async () => {
    const { result, stderr } = await scenario("map_squares");
    expect(result).toEqual({ count: 10_000, last: (9999 + 7) ** 2 });
    expect(stderr).toContain("10000/10000");
  }, 300_000);

  test("an exception in the function is a JobError naming the item, its index, the chunk and the job", async () => {
    const { result } = await scenario("job_error");
    const job = String(result.job);
    expect(job).toStartWith("job_");
    expect(result).toMatchObject({ type: "ZeroDivisionError", index: 317, item: 317, chunk: 3 });
    expect(result.message).toStartWith("division by zero");
    expect(result.text).toStartWith(`job ${job} failed at item 317 (317): ZeroDivisionError: division by zero`);
  }, 300_000);

  test("submit gives Futures that concurrent.futures.as_completed and wait understand, errors and keywords included", async () => {
    const { result } = await scenario("as_completed");
    expect(result).toEqual({ count: 20, error: ["JobError", "ZeroDivisionError", 0, [317]], kw: 8 });
  }, 400_000);

  test("Future.cancel and Ctrl-C during map cancel the job and refund what it did not spend", async () => {
    const { result } = await scenario("cancel");
    expect(result.submitState).toBe("cancelled");
    expect(result.afterCancel).toEqual(result.before);
    expect(result.interrupted.state).toBe("cancelled");
    expect(result.afterInterrupt).toEqual({ available: result.before.available - result.interrupted.credits.spent, held: 0 });
    expect(result.interrupted.chunks.done).toBeLessThan(200);
  }, 180_000);

  test("a session of 50 k-means rounds from Python gives the losses npm run example:kmeans prints", async () => {
    // The example against this stack (it takes MEDUSA_URL and MEDUSA_API_KEY), so both drive the same nodes.
    const example = Bun.spawn([process.execPath, "examples/kmeans/run.ts", "--points", "8000", "--partitions", "2", "--rounds", "50"], {
      cwd: root,
      env: { ...process.env, MEDUSA_URL: stack.url, MEDUSA_API_KEY: (await account()).apiKey },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [printed, stderr, code] = await Promise.all([new Response(example.stdout).text(), new Response(example.stderr).text(), example.exited]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const expected = [...printed.matchAll(/round +\d+ +loss ([\d.]+)/g)].map((m) => m[1]);
    expect(expected).toHaveLength(50);
    const program = join(dir, "kmeans.py");
    writeFileSync(program, KMEANS_PROGRAM);
    const { result } = await scenario("kmeans", ["8000", "2", "50", program]);
    expect(result.losses).toEqual(expected);
    expect(Math.abs(Number(result.losses[49]) - 6)).toBeLessThan(0.2);
  }, 300_000);

  test("Client.run submits and waits in one request, and finishes a job that outlasts the submit's wait on the results route", async () => {
    const { result } = await scenario("run_job");
    expect(result.done).toEqual([2, 3, 4]);
    expect(result.failed).toContain("negative");
    expect(result.slow).toEqual([100]);
    expect(result.chunks).toMatchObject({ total: 2, done: 2 });
  }, 150_000);

  test("a bad API key is an ApiError 401 with the gateway's message", async () => {
    const { result } = await scenario("bad_key");
    expect(result).toEqual({ status: 401, code: "unauthorized", message: "invalid or expired credentials" });
  }, 60_000);

  test("a lambda, a non-function and a closure are TypeErrors saying to use def at module level", async () => {
    const { result } = await scenario("source_errors", [], {});
    expect(result.messages[0]).toContain("cannot send a lambda");
    expect(result.messages[0]).toContain("def at module level");
    expect(result.messages[1]).toContain("plain functions defined with def");
    expect(result.messages[2]).toContain("define it at module level and pass them as arguments");
    expect(result.program).toContain("OFFSET = 7\ndef shifted(x):");
    expect(result.program).toStartWith("import math\n");
  }, 60_000);

  test("upload streams a file; files() lists it; credentials come from ~/.config/medusa/credentials when the environment has none", async () => {
    const { apiKey } = await account();
    const home = mkdtempSync(join(dir, "creds-"));
    mkdirSync(join(home, ".config/medusa"), { recursive: true });
    writeFileSync(join(home, ".config/medusa/credentials"), JSON.stringify({ url: stack.url, apiKey }));
    const proc = Bun.spawn(["python3", join(clientDir, "tests/scenarios.py"), "files"], { env: { PATH: process.env.PATH ?? "", HOME: home, PYTHONPATH: clientDir }, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(err).toContain("upload py/upload.bin");
    expect(code).toBe(0);
    const result = JSON.parse(out.trim());
    expect(result.uploaded.size).toBe(3_000_000);
    expect(result.listed).toEqual([result.uploaded]);
    expect(result.me).toBe(`py-${accounts}@example.com`);
    expect(result.url).toBe(stack.url);
  }, 60_000);

  test("GET /medusa.py serves the client as one file, and that file is enough to run a job", async () => {
    const res = await fetch(`${stack.url}/medusa.py`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/x-python");
    const text = await res.text();
    expect(text).toBe(readFileSync(join(clientDir, "medusa.py"), "utf8"));
    const alone = mkdtempSync(join(dir, "alone-"));
    writeFileSync(join(alone, "medusa.py"), text);
    writeFileSync(join(alone, "run.py"), "import medusa\n\ndef double(x):\n    return 2 * x\n\nwith medusa.Executor() as ex:\n    print(list(ex.map(double, range(5))))\n");
    const { apiKey } = await account();
    const proc = Bun.spawn(["python3", "run.py"], { cwd: alone, env: { PATH: process.env.PATH ?? "", HOME: alone, MEDUSA_URL: stack.url, MEDUSA_API_KEY: apiKey }, stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(out).toBe("[0, 2, 4, 6, 8]\n");
  }, 300_000);
});
