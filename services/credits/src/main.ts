/** The credits service as its own process: env → connections → serve → bounded shutdown. */
import { connectBus, openAccountStore, openLedgerStore, openMailer, openSettlementQueue, shutdownOn } from "@medusa/adapters/connect";
import { configOrExit, createLogger, errorMessage, surviveStrayErrors } from "@medusa/core";
import { meteredBus, opsListener, Readiness, serviceRegistry } from "@medusa/ops";
import { settlementGauges } from "./credits-metrics.ts";
import { serveCredits } from "./credits-service.ts";
import { creditsEnv } from "./env.ts";

async function main() {
  const env = configOrExit("credits", creditsEnv);
  const log = createLogger({ service: "credits", level: env.MEDUSA_LOG_LEVEL });
  // Alone, this service reaches the others only over NATS: refuse to start on a private in-process bus.
  const registry = serviceRegistry("credits");
  const bus = meteredBus(await connectBus(env, "credits", { require: true }), registry);
  const store = await openAccountStore(env);
  const ledger = await openLedgerStore(env);
  const settlements = settlementGauges(await openSettlementQueue(env, bus), registry);
  const service = serveCredits(bus, {
    store,
    ledger,
    settlements,
    starterCredits: env.MEDUSA_STARTER_CREDITS,
    loginTtlMs: env.MEDUSA_LOGIN_TTL_MS,
    confirmation: {
      required: env.MEDUSA_CONFIRM_EMAIL,
      mailer: openMailer({ smtpUrl: env.MEDUSA_SMTP_URL, from: env.MEDUSA_MAIL_FROM }, log),
      publicUrl: () => env.MEDUSA_PUBLIC_URL ?? "http://localhost:8080",
    },
    log,
    orphanEscrowMs: env.MEDUSA_ORPHAN_ESCROW_MS,
  });
  const readiness = new Readiness({ bus: () => bus.flush(), accounts: () => store.accountById("readyz"), ledger: () => ledger.balance("readyz") });
  const ops = opsListener("credits", env, registry, readiness);
  // The start-up line stays plain text, like shutdownOn's: people and the e2e harness wait for it.
  console.log(`[credits] serving accounts and the ledger (${env.MEDUSA_MONGO_URL ? "MongoDB" : "SQLite"}, prefix ${env.MEDUSA_PREFIX})`);
  shutdownOn("credits", [() => readiness.drain(), () => service.close(), () => bus.drain(), () => store.close(), () => ledger.close(), () => ops.stop()]);
  surviveStrayErrors("credits");
}

main().catch((err) => {
  console.error(`[credits] ${errorMessage(err)}`);
  process.exit(1);
});
