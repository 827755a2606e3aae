/** The credits service as its own process: env → connections → serve → bounded shutdown. */
import { connectBus, openAccountStore, shutdownOn } from "@medusa/adapters/connect";
import { serveAccounts } from "./accounts-service.ts";
import { readCreditsEnv } from "./env.ts";

async function main() {
  const env = readCreditsEnv();
  // Alone, this service reaches the others only over NATS: refuse to start on a private in-process bus.
  const bus = await connectBus(env, "credits", { require: true });
  const store = await openAccountStore(env);
  const service = serveAccounts(bus, {
    store,
    starterCredits: env.MEDUSA_STARTER_CREDITS,
    loginTtlMs: env.MEDUSA_LOGIN_TTL_MS,
  });
  console.log(`[credits] serving accounts (${env.MEDUSA_MONGO_URL ? "MongoDB" : "SQLite"}, prefix ${env.MEDUSA_PREFIX})`);
  shutdownOn("credits", [() => bus.drain(), () => service.done, () => store.close()]);
}

main().catch((err) => {
  console.error(`[credits] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
