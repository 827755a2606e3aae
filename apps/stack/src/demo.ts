/**
 * `npm start`: the whole embedded stack in this process, two local nodes, and
 * a demo job submitted through the public API with a live progress line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "@medusa/core";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { ProgressLine } from "./progress-line.ts";
import { startStack } from "./stack.ts";

const DEMO_PROGRAM = `# Collatz: how many steps does n take to reach 1?
def map(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps

def reduce(results):
    best = max(range(len(results)), key=lambda i: results[i])
    return {"n": best + 1, "steps": results[best], "items": len(results)}
`;

const scratch = process.env.MEDUSA_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), "medusa-demo-"));
const env = stackEnv({ ...process.env, MEDUSA_DATA_DIR: process.env.MEDUSA_DATA_DIR ?? scratch, MEDUSA_PORT: process.env.MEDUSA_PORT ?? "0" });

console.log("Starting Medusa (embedded: in-process bus, SQLite, local folder) …");
const stack = await startStack(env);
let code = 0;
try {
  console.log(`Gateway on ${stack.url}, FTP on ${stack.ftpUrl}; ${env.MEDUSA_LOCAL_NODES} local nodes are warming their Python runners.`);
  const client = new MedusaClient(stack.url);
  const account = await client.signUp(`demo-${Date.now()}@example.com`, "demo-password");
  const me = client.withKey(account.apiKey);
  console.log(`Signed up ${account.email} (${account.credits} starter credits).`);

  const spec = {
    name: "collatz-demo",
    program: { runtime: "python" as const, source: DEMO_PROGRAM },
    input: { range: { start: 1, stop: 5001 } },
    chunkSize: 100,
  };
  const quote = await me.quote(spec);
  const job = await me.submit(spec);
  const maps = quote.chunks - (quote.reduce ? 1 : 0);
  console.log(
    `Submitted job ${job.id}: Collatz steps for 1..5000 in ${maps} map chunks of 100 and ${quote.reduce ? "1 reduce chunk" : "no reduce"}: ` +
      `${quote.chunks} chunks, each paid ${quote.pricePerChunk} per replica, so at most ${quote.worstCase} credits.`,
  );

  const progress = new ProgressLine();
  const final = await me.follow(job.id, (e) => {
    if ("chunks" in e) progress.update(e.chunks, 5000, "sealed" in e ? e.sealed : undefined);
  });
  progress.finish();
  if (final.state !== "done") throw new Error(`job ended ${final.state}: ${final.error ?? "no error given"}`);
  const result = JSON.parse(await me.resultText(job.id));
  console.log(`Done: of 1..${result.items}, n = ${result.n} takes the most steps (${result.steps}).`);
  await showCredits(me, stack.operator.apiKey ? client.withKey(stack.operator.apiKey) : null, account.credits);
} catch (err) {
  console.error(`Demo failed: ${errorMessage(err)}`);
  code = 1;
} finally {
  await stack.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);

/** Payouts settle just after the job ends: wait for the escrow to empty, then show both sides of the books. */
async function showCredits(consumer: MedusaClient, operator: MedusaClient | null, starter: number) {
  const end = Date.now() + 10_000;
  let mine = await consumer.me();
  while (mine.credits.held > 0 && Date.now() < end) {
    await Bun.sleep(50);
    mine = await consumer.me();
  }
  const spent = starter - mine.credits.available;
  console.log(`Credits: you paid ${spent} (available ${mine.credits.available}, held ${mine.credits.held}).`);
  if (!operator) return;
  const theirs = await operator.me();
  const earned = theirs.credits.available - starter;
  console.log(`The local nodes' owner earned ${earned} (available ${theirs.credits.available}); ${spent === earned ? "the books balance" : "THE BOOKS DO NOT BALANCE"}.`);
}
