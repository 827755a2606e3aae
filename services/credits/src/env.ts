import { intFrom, parseEnv, portEnv } from "@medusa/core";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The credits service's configuration; `readCreditsEnv` throws naming any bad variable. */
export const creditsEnv = {
  ...portEnv,
  /** Credits granted to every new account. */
  MEDUSA_STARTER_CREDITS: intFrom(1000),
  /** How long a login token (from POST /v1/auth/login) stays valid. */
  MEDUSA_LOGIN_TTL_MS: intFrom(7 * DAY_MS, 1000),
};

export const readCreditsEnv = (env: Record<string, string | undefined> = process.env) => parseEnv(creditsEnv, env);
export type CreditsEnv = ReturnType<typeof readCreditsEnv>;
