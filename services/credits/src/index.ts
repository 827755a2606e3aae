export { serveCredits, type CreditsDeps, type CreditsService } from "./credits-service.ts";
export { creditsEnv, readCreditsEnv, type CreditsEnv } from "./env.ts";
