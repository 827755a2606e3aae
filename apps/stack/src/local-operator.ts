import { join } from "node:path";
import { call, subjects, type Bus } from "@medusa/core";
import { z } from "zod";

/**
 * The account that owns the embedded stack's local nodes. Its node tokens are
 * kept in the data dir so a restarted stack reuses the same nodes.
 */
const LocalNodes = z.object({
  accountId: z.string(),
  /** Lets the operator read its own balance (what the local nodes earned); absent in data dirs made before it. */
  apiKey: z.string().optional(),
  nodes: z.array(z.object({ nodeId: z.string(), nodeToken: z.string() })),
});

export interface LocalOperator {
  accountId: string;
  apiKey?: string;
  nodeTokens: string[];
}

export async function localOperator(bus: Bus, dataDir: string, count: number): Promise<LocalOperator> {
  const file = Bun.file(join(dataDir, "local-nodes.json"));
  let saved = (await file.exists()) ? LocalNodes.safeParse(await file.json()).data : undefined;
  if (!saved) {
    const email = `local-operator-${crypto.randomUUID().slice(0, 8)}@medusa.local`;
    const account = await call(bus, subjects.createAccount, { email, password: crypto.randomUUID() });
    saved = { accountId: account.id, apiKey: account.apiKey, nodes: [] };
  }
  while (saved.nodes.length < count) {
    saved.nodes.push(await call(bus, subjects.registerNode, { ownerId: saved.accountId, name: `local-${saved.nodes.length + 1}` }));
  }
  await Bun.write(file, JSON.stringify(saved, null, 2));
  return { accountId: saved.accountId, ...(saved.apiKey ? { apiKey: saved.apiKey } : {}), nodeTokens: saved.nodes.slice(0, count).map((n) => n.nodeToken) };
}
