import type { Logger, Mail, Mailer } from "@medusa/core";

/**
 * The embedded default: with no SMTP server configured, every email is
 * written to the log at warn level, the level the embedded stack shows, so
 * the operator can open a confirmation link from the console.
 */
export class LogMailer implements Mailer {
  constructor(private readonly log: Logger) {}

  async send(mail: Mail): Promise<void> {
    this.log.warn(`email to ${mail.to} (no SMTP server is configured: MEDUSA_SMTP_URL): ${mail.subject}\n${mail.text}`, { to: mail.to, subject: mail.subject });
  }
}
