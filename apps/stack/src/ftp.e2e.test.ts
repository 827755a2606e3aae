import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@medusa/core";
import { curl, python, storResumed, storThenDie } from "@medusa/testing/ftp-clients";
import { until } from "@medusa/testing/until";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** The embedded stack's FTP service with the real credits service and a real job behind it. */
let dir: string;
let stack: Stack;
let port: number;
let alice: MedusaClient;
let apiKey: string;
const EMAIL = "ftp-alice@example.com";
const PASSWORD = "alice's ftp password";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-ftp-e2e-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: join(dir, "data"), MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
  port = Number(new URL(stack.ftpUrl).port);
  const anon = new MedusaClient(stack.url);
  apiKey = (await anon.signUp(EMAIL, PASSWORD)).apiKey;
  alice = anon.withKey(apiKey);
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("FTP in the embedded stack", () => {
  test("it listens on its own free port and logs in with the password or the API key", async () => {
    expect(stack.ftpUrl).toMatch(/^ftp:\/\/127\.0\.0\.1:\d+$/);
    expect(port).toBeGreaterThan(0);
    expect(await python(port, EMAIL, PASSWORD, `print(json.dumps(connect().pwd()))`)).toBe("/");
    expect(await python(port, EMAIL, apiKey, `print(json.dumps(connect().pwd()))`)).toBe("/");
    expect(await python(port, EMAIL, "not it", `print(json.dumps(refused(connect)))`)).toBe("530 email or password (or API key) is wrong");
  });

  test("an upload killed halfway and resumed with REST becomes a job input that completes", async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => String(i)).join("\n") + "\n";
    const source = join(dir, "numbers.txt");
    writeFileSync(source, lines);
    await storThenDie(port, EMAIL, PASSWORD, source, "in/numbers.txt", Math.floor(lines.length / 2));

    // Half a file is no file: not listed, and no job can take it.
    const listed = async () => ((await (await alice.request("GET", "/v1/files")).json()) as { files: { path: string; size: number; sha256: string }[] }).files;
    expect((await listed()).map((f) => f.path)).not.toContain("in/numbers.txt");
    const program = { runtime: "python" as const, source: "def map(line):\n    return int(line) * 2\n\ndef reduce(results):\n    return sum(results)\n" };
    const refused = await alice.submit({ program, input: { file: "in/numbers.txt", format: "lines" }, chunkSize: 20_000 }).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);

    const sizes = await until(
      async () => {
        const size = await python(port, EMAIL, PASSWORD, `print(json.dumps(connect().size("in/numbers.txt")))`);
        return size > 0 && size;
      },
      10_000,
      "the cut upload to show",
    );
    expect(sizes).toBeLessThanOrEqual(lines.length / 2);
    const resumed = await storResumed(port, EMAIL, PASSWORD, source, "in/numbers.txt");
    expect(resumed[1]).toBe(lines.length);
    expect(await listed()).toContainEqual({ path: "in/numbers.txt", size: lines.length, sha256: sha256Hex(lines) });

    const job = await alice.submit({ program, input: { file: "in/numbers.txt", format: "lines" }, chunkSize: 20_000 });
    const done = await alice.follow(job.id);
    expect(done.state).toBe("done");
    expect(JSON.parse(await alice.resultText(job.id))).toBe(199_999 * 200_000);
  }, 120_000);

  test("a file put over REST is there for curl over FTP, and one deleted over FTP is gone for REST", async () => {
    await alice.upload("shared/note.txt", "written over REST\n");
    const got = await curl("-u", `${EMAIL}:${apiKey}`, `${stack.ftpUrl}/shared/note.txt`);
    expect(got).toMatchObject({ code: 0, out: "written over REST\n" });
    expect(await python(port, EMAIL, apiKey, `f = connect(); f.delete("shared/note.txt"); print(json.dumps(f.nlst()))`)).not.toContain("shared");
    expect(alice.request("GET", "/v1/files/shared/note.txt")).rejects.toMatchObject({ status: 404 });
  });
});
