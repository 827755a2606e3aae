/**
 * The operator's grant command: creates credits for an account, the only way
 * besides the starter grant that credits come into existence.
 *
 *   npm run grant -- <email> <amount> [reason-key]
 *
 * With MEDUSA_NATS_URL it asks the running credits service; without, it
 * writes the embedded stack's SQLite ledger in MEDUSA_DATA_DIR directly. The
 * key (default: one per call) makes a retried command apply once.
 */
import { connectBus, openAccountStore, openLedgerStore } from "@medusa/adapters/connect";
import { call, configOrExit, errorMessage, MedusaError, MINT, newId, parseEnv, PortEnv, subjects } from "@medusa/core";
import { z } from "zod";

const Args = z.tuple([z.string().email("the first argument must be an account's email"), z.coerce.number().int().min(1, "the amount must be a whole number above 0"), z.string().min(1).optional()]);

async function main(): Promise<string> {
  const parsed = Args.safeParse(process.argv.slice(2));
  if (!parsed.success) throw new MedusaError("invalid_field", `usage: npm run grant -- <email> <amount> [key]\n${parsed.error.issues[0]!.message}`);
  const [email, amount, given] = parsed.data;
  const key = `grant:operator:${given ?? newId("g")}`;
  const env = configOrExit("grant", () => parseEnv(PortEnv));

  if (env.MEDUSA_NATS_URL) {
    const bus = await connectBus(env, "grant");
    try {
      const r = await call(bus, subjects.grantCredits, { email, amount, key });
      return `${r.applied ? "granted" : "already granted"} ${amount} to ${email}: available ${r.available}`;
    } finally {
      await bus.drain();
    }
  }
  const accounts = await openAccountStore(env);
  const ledger = await openLedgerStore(env);
  try {
    const account = await accounts.accountByEmail(email);
    if (!account) throw new MedusaError("not_found", `no account ${email} in ${env.MEDUSA_DATA_DIR}`);
    const [outcome] = await ledger.apply([{ key, reason: "grant", from: MINT, to: account.id, amount, at: Date.now() }]);
    return `${outcome === "applied" ? "granted" : "already granted"} ${amount} to ${email}: available ${await ledger.balance(account.id)}`;
  } finally {
    await accounts.close();
    await ledger.close();
  }
}

main().then(
  (line) => console.log(line),
  (err) => {
    console.error(errorMessage(err));
    process.exit(1);
  },
);
