import nodemailer, { type Transporter } from "nodemailer";
import type { Mail, Mailer } from "@medusa/core";

/**
 * Email over SMTP with nodemailer (the maintained standard for Node; it
 * speaks STARTTLS, auth and pooling): `url` is `smtp://user:pass@host:587`
 * or `smtps://…:465`.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  close(): void {
    this.transport.close();
  }
}
