import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MedusaClient } from "@medusa/client";
import { until } from "@medusa/testing/until";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** The real `medusa` command, run as a subprocess against the embedded stack, as a user's shell would. */
const CLI = resolve(import.meta.dir, "../../cli/src/main.ts");
let dir: string;
let home: string;
let stack: Stack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-cli-"));
  home = join(dir, "home");
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: home, MEDUSA_URL: stack.url, ...opts.env };
  return Bun.spawn([process.execPath, CLI, ...args], { env, stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin), stdout: "pipe", stderr: "pipe" });
}

async function medusa(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const proc = spawnCli(args, opts);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const lines = (text: string) => text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
const credentials = () => JSON.parse(readFileSync(join(home, ".config/medusa/credentials"), "utf8")) as { url: string; apiKey: string };
const program = (name: string, source: string) => {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
};

describe("medusa", () => {
  test("signup keeps the key in ~/.config/medusa/credentials (0600); me, login and bad keys", async () => {
    const signup = await medusa(["signup", "--email", "cli@example.com"], { stdin: "a long password\n" });
    expect(signup.stderr).toContain("cli@example.com");
    expect(signup.code).toBe(0);
    const saved = credentials();
    expect(saved).toEqual({ url: stack.url, apiKey: signup.stdout.trim() });
    expect(statSync(join(home, ".config/medusa/credentials")).mode & 0o777).toBe(0o600);

    const me = await medusa(["me", "--json"], { env: { MEDUSA_URL: "" } });
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout).email).toBe("cli@example.com");

    const bad = await medusa(["me"], { env: { MEDUSA_API_KEY: "not-a-key" } });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("401 unauthorized");
    expect(bad.stderr).toContain("medusa login");
    expect(bad.stdout).toBe("");

    const login = await medusa(["login", "--api-key", "not-a-key"]);
    expect(login.code).toBe(3);
    expect(credentials()).toEqual(saved);
    const again = await medusa(["login"], { stdin: `${saved.apiKey}\n` });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("logged in");
  }, 60_000);

  test("run --range --yes writes the results in input order; jobs, job, results read it back", async () => {
    const squares = program("squares.py", "def map(x):\n    return x * x\n");
    const run = await medusa(["run", squares, "--range", "0:500", "--chunk-size", "50", "--yes"]);
    expect(run.stderr).toContain("worst case: 10 credits");
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(Array.from({ length: 500 }, (_, i) => i * i));
    const jobId = /job (job_\S+) submitted/.exec(run.stderr)![1]!;

    const jobs = await medusa(["jobs", "--json"]);
    expect(JSON.parse(jobs.stdout).jobs[0]).toMatchObject({ id: jobId, state: "done", name: "squares.py" });
    expect((await medusa(["jobs"])).stdout).toContain(jobId);
    const job = await medusa(["job", jobId, "--json"]);
    expect(JSON.parse(job.stdout).chunks).toMatchObject({ total: 10, done: 10 });
    const out = join(dir, "squares.jsonl");
    expect((await medusa(["results", jobId, "-o", out])).code).toBe(0);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(500);

    const items = await medusa(["run", squares, "--items", "[3, 4]", "--yes", "--json"]);
    expect(JSON.parse(items.stdout)).toMatchObject({ state: "done", items: 2 });
  }, 240_000);

  test("an input file is uploaded, resumably, and run; files and upload list it", async () => {
    const data = join(dir, "words.txt");
    writeFileSync(data, "apple\nbanana\ncherry\n");
    const run = await medusa(["run", program("upper.py", "def map(line):\n    return line.upper()\n"), "--input", data, "--yes"]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(["APPLE", "BANANA", "CHERRY"]);
    expect((await medusa(["upload", data, "data/words.txt"])).code).toBe(0);
    const files = JSON.parse((await medusa(["files", "--json"])).stdout).files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(["inputs/words.txt", "data/words.txt"]));
  }, 240_000);

  test("a job that fails exits 1 naming the program's error; usage mistakes exit 2", async () => {
    const failing = await medusa(["run", program("fails.py", "def map(x):\n    return 1 / (x - 3)\n"), "--range", "0:10", "--yes"]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("ZeroDivisionError");
    expect(failing.stdout).toBe("");

    const squares = join(dir, "squares.py");
    for (const args of [["bogus"], ["run", squares, "--range", "0:10"], ["run", squares, "--range", "ten"], ["run", squares], ["run", squares, "--range", "0:1", "--items", "[1]"], ["jobs", "--limit", "many"], ["run", join(dir, "none.py"), "--range", "0:1", "--yes"]]) {
      const res = await medusa(args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr.length, args.join(" ")).toBeGreaterThan(10);
    }
    expect((await medusa(["run", squares, "--range", "0:10"])).stderr).toContain("--yes");
  }, 240_000);

  test("Ctrl-C (SIGINT) during run cancels the job, refunding what it did not spend", async () => {
    const client = new MedusaClient(stack.url, credentials().apiKey);
    const before = (await client.me()).credits;
    const slow = program("slow.py", "import time\ndef map(x):\n    time.sleep(0.5)\n    return x\n");
    const proc = spawnCli(["run", slow, "--range", "0:200", "--chunk-size", "2", "--yes"]);
    let stderr = "";
    const reading = (async () => {
      for await (const bytes of proc.stderr) stderr += new TextDecoder().decode(bytes);
    })();
    await until(() => /job (job_\S+) submitted/.test(stderr), 60_000);
    const jobId = /job (job_\S+) submitted/.exec(stderr)![1]!;
    await until(async () => (await client.job(jobId)).chunks.done >= 1, 60_000);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(1);
    await reading;
    expect(stderr).toContain(`cancelling ${jobId}`);
    const status = await client.job(jobId);
    expect(status.state).toBe("cancelled");
    expect(status.credits.spent).toBeLessThan(100);
    await until(async () => (await client.me()).credits.held === before.held, 30_000);
    expect((await client.me()).credits.available).toBe(before.available - status.credits.spent);
  }, 240_000);

  test("node add prints the token and the command; nodes lists it", async () => {
    const added = await medusa(["node", "add", "garage pc"]);
    expect(added.code).toBe(0);
    const token = added.stdout.trim();
    expect(added.stderr).toContain(`MEDUSA_NODE_TOKEN=${token} medusa-node --gateway ${stack.url}`);
    const nodes = JSON.parse((await medusa(["nodes", "--json"])).stdout).nodes;
    expect(nodes.map((n: { name: string }) => n.name)).toContain("garage pc");
    expect((await medusa(["node", "add", "x", "--json"])).stdout).toContain('"nodeToken"');
  }, 60_000);
});
