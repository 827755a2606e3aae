export { serveCredits, type CreditsDeps, type CreditsService } from "./credits-service.ts";
export { CreditsEnv, creditsEnv } from "./env.ts";
