/**
 * `npm run example:kmeans`: k-means over generated points as a session,
 * driven round by round, printing the loss (mean squared distance to the
 * nearest centroid) and each round's latency.
 *
 * Against the embedded stack by default (started here, in a scratch folder);
 * with MEDUSA_URL and MEDUSA_API_KEY set, against that deployment.
 * Options: --points N (default 40000) --partitions N (4) --rounds N (15).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaClient } from "@medusa/client";
import { stackEnv, startStack, type Stack } from "@medusa/stack";
import { errorMessage } from "@medusa/core";
import { initialCentroids, KMEANS_PROGRAM, kmeansPoints, reduceCentroids } from "./kmeans.ts";

const arg = (name: string, fallback: number) => {
  const i = Bun.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(Bun.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a whole number above 0`);
  return value;
};
const points = kmeansPoints(arg("points", 40_000));
const partitions = arg("partitions", 4);
const rounds = arg("rounds", 15);

let stack: Stack | undefined;
let scratch: string | undefined;
let client: MedusaClient;
if (process.env.MEDUSA_URL && process.env.MEDUSA_API_KEY) {
  client = new MedusaClient(process.env.MEDUSA_URL, process.env.MEDUSA_API_KEY);
} else {
  scratch = mkdtempSync(join(tmpdir(), "medusa-kmeans-"));
  console.log("Starting the embedded stack (2 local nodes) …");
  stack = await startStack(stackEnv({ ...process.env, MEDUSA_DATA_DIR: scratch, MEDUSA_PORT: "0" }), () => {});
  const anon = new MedusaClient(stack.url);
  client = anon.withKey((await anon.signUp(`kmeans-${Date.now()}@example.com`, "kmeans-password")).apiKey);
}

let code = 0;
try {
  const session = await client.createSession({ name: "k-means", program: { runtime: "python", source: KMEANS_PROGRAM }, input: { items: points }, partitions });
  console.log(`Session ${session.id}: ${points.length} points in ${partitions} partitions; setting up on the nodes …`);
  const socket = client.openSession(session.id);
  socket.onEvent = (e) => {
    if (e.type === "replaced") console.log(`  partition ${e.partition} moved to node ${e.nodeId}`);
  };
  await socket.ready();
  let centroids = initialCentroids(points);
  for (let r = 1; r <= rounds; r++) {
    const { partials, ms } = await socket.round({ centroids });
    const next = reduceCentroids(partials, centroids);
    centroids = next.centroids;
    console.log(`round ${String(r).padStart(2)}  loss ${(next.sse / points.length).toFixed(6)}  (${ms.toFixed(1)} ms)`);
  }
  console.log(`Centroids: ${centroids.map(([x, y]) => `(${x.toFixed(2)}, ${y.toFixed(2)})`).join(" ")}`);
  const ended = await client.endSession(session.id);
  console.log(`Session ended; ${ended.credits.spent} credits paid to the nodes.`);
  socket.close();
} catch (err) {
  console.error(`k-means failed: ${errorMessage(err)}`);
  code = 1;
} finally {
  await stack?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
