/** One plain-text email. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Where the system's emails go: an SMTP server in production; the log where
 * none is configured (the embedded default), so the operator reads them there.
 */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}
