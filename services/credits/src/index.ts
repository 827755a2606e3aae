export { serveAccounts, type AccountsDeps, type AccountsService } from "./accounts-service.ts";
export { creditsEnv, readCreditsEnv, type CreditsEnv } from "./env.ts";
