import { flagFrom, newSecret, sha256Hex, type Logger, type Mailer } from "@medusa/core";
import { z } from "zod";

/**
 * Email confirmation: a sign-up gets its starter credits, and may pay for
 * work, only once its owner opens the link sent to the address. Without it,
 * credits could be minted by signing up again and again.
 */
export interface Confirmation {
  /** Whether new accounts must confirm; off, they are confirmed at sign-up. */
  required: boolean;
  mailer: Mailer;
  /** The public base URL of the gateway, where the link points. */
  publicUrl: () => string;
}

/** The variables; `requiredByDefault` is true for a public deployment, false for the embedded stack on one's own machine. */
export const confirmationEnv = (requiredByDefault: boolean) => ({
  /** 1: new accounts confirm their email before they get credits or pay for work. */
  MEDUSA_CONFIRM_EMAIL: flagFrom(requiredByDefault),
  /** The SMTP server confirmation emails go through (smtp://user:pass@host:587); unset, they are written to the log. */
  MEDUSA_SMTP_URL: z.string().url().optional(),
  /** Who confirmation emails come from. */
  MEDUSA_MAIL_FROM: z.string().min(3).default("Medusa <medusa@localhost>"),
  /** The address people reach the gateway at, for links in emails. */
  MEDUSA_PUBLIC_URL: z.string().url().optional(),
});

/** A fresh confirmation token and the hash the store keeps of it. */
export function newConfirmationToken(): { token: string; hash: string } {
  const token = newSecret("ct");
  return { token, hash: sha256Hex(token) };
}

/** Sends the link; a mail server that refuses is logged, and the account stays unconfirmed. */
export async function sendConfirmation(c: Confirmation, email: string, token: string, log: Logger): Promise<void> {
  const link = `${c.publicUrl().replace(/\/+$/, "")}/v1/accounts/confirm?token=${encodeURIComponent(token)}`;
  const text = `Someone, hopefully you, signed up to Medusa with this address.\n\nOpen this link to confirm it and receive your starter credits:\n\n${link}\n\nIf it was not you, ignore this email.\n`;
  try {
    await c.mailer.send({ to: email, subject: "Confirm your Medusa account", text });
  } catch (err) {
    log.error("could not send a confirmation email", { email, error: String(err) });
  }
}
