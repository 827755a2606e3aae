export { serveCredits, type CreditsDeps, type CreditsService } from "./credits-service.ts";
export { CreditsEnv, creditsEnv } from "./env.ts";
export { confirmationEnv, type Confirmation } from "./confirmation.ts";
