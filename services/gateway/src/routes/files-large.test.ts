import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALICE } from "@medusa/testing/fake-services";
import { sha256OfFile, writeRandomFile } from "@medusa/testing/big-files";
import { until } from "@medusa/testing/until";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

/**
 * The REST file API at real sizes, through a real server and curl: past
 * Bun's default 128 MiB body cap, over the gateway's own cap, and a
 * resumable upload whose connection drops halfway.
 */
const MB = 1_000_000;
const SIZE = 300 * MB;
let dir: string;
let source: string;
let digest: string;
let t: TestGateway;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "medusa-large-files-"));
  source = join(dir, "source.bin");
  digest = await writeRandomFile(source, SIZE, 7);
  t = testGateway();
  base = `http://127.0.0.1:${listen(t).server.port}`;
}, 120_000); // writing 300 MB of random bytes outlasts the 5 s hook default on a busy machine
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

async function curl(...args: string[]): Promise<{ status: number; body: string }> {
  const proc = Bun.spawn(["curl", "-sS", "-H", `authorization: Bearer ${ALICE.key}`, "-w", "\n%{http_code}", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`curl exited ${code}: ${err}`);
  const cut = out.lastIndexOf("\n");
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
}

describe("files at any size", () => {
  test("a 300 MB PUT (past Bun's default 128 MiB cap) succeeds and reads back the same", async () => {
    const put = await curl("-T", source, `${base}/v1/files/big/source.bin`);
    expect(put.status).toBe(201);
    expect(JSON.parse(put.body)).toEqual({ path: "big/source.bin", size: SIZE, sha256: digest });
    const copy = join(dir, "copy.bin");
    expect((await curl("-o", copy, `${base}/v1/files/big/source.bin`)).status).toBe(200);
    expect(await sha256OfFile(copy)).toBe(digest);
    await rm(copy);
  }, 60_000);

  test("a file over the cap gets the JSON 413 naming the limit, declared or streamed", async () => {
    const small = testGateway({ maxFileBytes: 64 * MB });
    const url = `http://127.0.0.1:${listen(small).server.port}/v1/files/too-big.bin`;
    try {
      const declared = await curl("-T", source, url);
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body)).toEqual({ error: { code: "payload_too_large", message: `file is over the limit of ${64 * MB} bytes`, details: { maxBytes: 64 * MB } } });
      // Chunked: no length up front, so the cap is counted as the bytes stream in.
      const proc = Bun.spawn(["curl", "-sS", "-H", `authorization: Bearer ${ALICE.key}`, "-H", "transfer-encoding: chunked", "-T", "-", url], { stdin: Bun.file(source), stdout: "pipe", stderr: "pipe" });
      const body = await new Response(proc.stdout).text();
      await proc.exited;
      expect(JSON.parse(body).error).toMatchObject({ code: "payload_too_large", details: { maxBytes: 64 * MB } });
      expect(await small.blobs.list("")).toEqual([]);
    } finally {
      await small.close();
    }
  }, 60_000);

  test("a resumable upload whose connection drops halfway completes from where it stopped", async () => {
    const url = new URL(`${base}/v1/files/resumed.bin`);
    // A client that sends the headers and half the body, then loses its connection.
    const half = SIZE / 2;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, async () => {
        socket.write(
          `PUT ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${ALICE.key}\r\n` +
            `Content-Range: bytes 0-${SIZE - 1}/${SIZE}\r\nContent-Length: ${SIZE}\r\n\r\n`,
        );
        let sent = 0;
        for await (const chunk of Bun.file(source).slice(0, half).stream()) {
          sent += chunk.byteLength;
          if (!socket.write(chunk)) await new Promise((r) => socket.once("drain", r));
        }
        socket.destroy();
        resolve();
      });
      socket.on("error", reject);
    });

    // The server keeps what reached it; asking tells the client where to go on.
    const ask = async () => {
      const asked = await curl("-X", "PUT", "-H", `content-range: bytes */${SIZE}`, url.href);
      expect(asked.status).toBe(308);
      return (JSON.parse(asked.body) as { offset: number }).offset;
    };
    let last = -1;
    const offset = await until(
      async () => {
        const now = await ask();
        const settled = now > 0 && now === last;
        last = now;
        return settled && now;
      },
      20_000,
      "the dropped piece to settle",
      { everyMs: 200 },
    );
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(half);
    const listed = JSON.parse((await curl(`${base}/v1/files`)).body) as { files: { path: string }[] };
    expect(listed.files.map((f) => f.path)).not.toContain("resumed.bin");

    // The rest of the file from the offset the server named, as a shell pipeline would send it.
    const rest = Bun.spawn(
      ["sh", "-c", `tail -c +${offset + 1} "$0" | curl -sS -w '\n%{http_code}' -H "authorization: Bearer $1" -H "content-range: bytes ${offset}-${SIZE - 1}/${SIZE}" -T - "$2"`, source, ALICE.key, url.href],
      { stdout: "pipe" },
    );
    const out = await new Response(rest.stdout).text();
    await rest.exited;
    expect(out.slice(out.lastIndexOf("\n") + 1), out).toBe("201");
    expect(JSON.parse(out.slice(0, out.lastIndexOf("\n")))).toEqual({ path: "resumed.bin", size: SIZE, sha256: digest });
    expect(await t.blobs.uploads.stagedUnder("")).toEqual([]);
  }, 90_000);
});
