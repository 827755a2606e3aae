import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters";
import { JobSpec, MedusaError } from "@medusa/core";
import { quote } from "./pricing.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-pricing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const blobs = new FolderBlobStore(dir);
const spec = (over: object) => JobSpec.parse({ program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { range: { stop: 100 } }, chunkSize: 10, ...over });

test("the escrow holds chunks × replicas × price; \"auto\" is held as 2 replicas", async () => {
  expect(await quote(spec({ replicas: 3 }), "acc", false, blobs, 2)).toMatchObject({ chunks: 10, held: 60, maxChunks: 10 });
  expect(await quote(spec({ replicas: "auto" }), "acc", true, blobs, 2)).toMatchObject({ chunks: 11, held: 44 });
  const err = await quote(spec({ replicas: "auto", maxCredits: 43 }), "acc", true, blobs, 2).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MedusaError);
  expect((err as MedusaError).message).toBe("this job can cost up to 44 credits (11 chunks × 2 replicas × 2 per chunk), more than maxCredits 43");
});
