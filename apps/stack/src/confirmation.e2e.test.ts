import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { until } from "@medusa/testing/until";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * Email confirmation with MEDUSA_CONFIRM_EMAIL=1 on the embedded stack: an
 * unconfirmed sign-up holds no credits and cannot submit paid work; the link
 * (in the log with no SMTP server, or mailed through a real local SMTP sink)
 * confirms it and grants the starter credits exactly once.
 */
const STARTER = 500;
const paidJob = { program: { runtime: "python" as const, source: "def map(x):\n    return x\n" }, input: { items: [1, 2, 3] } };
const LINK = /http:\/\/127\.0\.0\.1:\d+\/v1\/accounts\/confirm\?token=[A-Za-z0-9_-]+/;

function confirmationFlow(name: string, vars: () => Record<string, string>, linkFor: (email: string) => Promise<string>, logged: string[]) {
  let dir: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-confirm-"));
    const env = stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0", MEDUSA_CONFIRM_EMAIL: "1", MEDUSA_STARTER_CREDITS: String(STARTER), ...vars() });
    stack = await startStack(env, (line) => logged.push(line));
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${name}: unconfirmed holds nothing and pays for nothing; the link grants once`, async () => {
    const anon = new MedusaClient(stack.url);
    const email = `ada-${name}@example.com`;
    const created = await anon.signUp(email, "ada-password");
    expect(created).toMatchObject({ credits: 0, confirmed: false });
    const ada = anon.withKey(created.apiKey);
    expect(await ada.me()).toMatchObject({ confirmed: false, credits: { available: 0, held: 0 } });
    const refused = await ada.submit(paidJob).then(() => null, (e: unknown) => e as ApiError);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused!.status).toBe(403);
    expect(refused!.message).toContain("confirm your email address first");

    const link = await linkFor(email);
    expect(link.startsWith(stack.url)).toBe(true);
    const answers = await Promise.all([1, 2, 3].map(() => fetch(link).then(async (r) => ({ status: r.status, body: (await r.json()) as { confirmed: boolean; credits: { available: number } } }))));
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: { confirmed: true, credits: { available: STARTER } } });
    expect(await ada.me()).toMatchObject({ confirmed: true, credits: { available: STARTER, held: 0 } });
    expect((await ada.ledger()).entries.filter((e) => e.reason === "grant")).toHaveLength(1);
    expect((await ada.submit(paidJob)).id).toStartWith("job_");
  }, 60_000);
}

describe("confirmation link in the log (no SMTP server)", () => {
  const logged: string[] = [];
  confirmationFlow("log", () => ({}), async (email) => {
    const line = await until(() => logged.find((l) => l.includes(`email to ${email}`)), 20_000, "the confirmation email in the log");
    return LINK.exec(line)![0];
  }, logged);
});

describe("confirmation link over SMTP", () => {
  const inbox: string[] = [];
  // A local SMTP sink: no TLS, no auth, every message kept whole.
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, done) {
      let text = "";
      stream.on("data", (c: Buffer) => (text += c.toString("utf8")));
      stream.on("end", () => {
        inbox.push(text);
        done();
      });
    },
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", () => resolve()));
    port = (sink.server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => sink.close(() => resolve())));

  const logged: string[] = [];
  confirmationFlow("smtp", () => ({ MEDUSA_SMTP_URL: `smtp://127.0.0.1:${port}`, MEDUSA_MAIL_FROM: "Medusa <no-reply@medusa.test>" }), async (email) => {
    const mail = await until(() => inbox.find((m) => m.includes(`To: ${email}`)), 20_000, "the confirmation email at the SMTP sink");
    expect(mail).toContain("From: Medusa <no-reply@medusa.test>");
    expect(mail).toContain("Subject: Confirm your Medusa account");
    expect(logged.some((l) => l.includes(`email to ${email}`))).toBe(false);
    // Quoted-printable may wrap a long line with "=\r\n"; undo it before reading the link.
    return LINK.exec(mail.replace(/=\r?\n/g, "").replace(/=3D/g, "="))![0];
  }, logged);
});
