import { z } from "zod";
import { opsEnv } from "@medusa/ops";
import { intFrom, parseEnv, PortEnv, type EnvSource } from "@medusa/core";
import { confirmationEnv } from "./confirmation.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The credits service's configuration (alone it also needs NATS, which `connectBus` insists on). */
export const CreditsEnv = PortEnv.extend({
  /** Credits granted to every new account once its email is confirmed (0: none). */
  MEDUSA_STARTER_CREDITS: intFrom(1000),
  /** A public deployment: sign-ups confirm their email before they get credits. */
  ...confirmationEnv(true),
  /** How long a login token (from POST /v1/auth/login) stays valid. */
  MEDUSA_LOGIN_TTL_MS: intFrom(7 * DAY_MS, 1000),
  /** How old a job's escrow must be before, if the scheduler does not know the job, it is refunded (0: never). */
  MEDUSA_ORPHAN_ESCROW_MS: intFrom(10 * 60_000, 0),
  ...opsEnv(),
});
export type CreditsEnv = z.infer<typeof CreditsEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const creditsEnv = (source: EnvSource = process.env): CreditsEnv => parseEnv(CreditsEnv, source);
