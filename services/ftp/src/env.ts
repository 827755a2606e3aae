import { readFileSync } from "node:fs";
import { z } from "zod";
import { bytesFrom, intFrom, limits, natsUrlRequiredBy, parseEnv, PortEnv, type EnvSource } from "@medusa/core";
import { opsEnv } from "@medusa/ops";
import type { FtpDeps } from "./ftp-server.ts";
import { DEFAULT_LOGIN_POLICY } from "./login-guard.ts";

/** `30000-30009` (inclusive), or `0` for any free port. */
const portRange = z
  .string()
  .regex(/^(0|\d{1,5}-\d{1,5})$/, "a range like 30000-30009, or 0 for any free port")
  .transform((s) => {
    const [min, max] = s === "0" ? [0, 0] : s.split("-").map(Number);
    return { min: min!, max: max! };
  })
  .refine((r) => r.min <= r.max && r.max <= 65_535 && (r.min > 0 || r.max === 0), "the first port must not be above the last, nor either above 65535");

const flag = z.enum(["0", "1", "true", "false"]).optional().transform((v) => (v === undefined ? undefined : v === "1" || v === "true"));

/** The FTP variables; the embedded stack shares them with its own defaults for the ports. */
export const ftpVars = (defaults: { pasvPorts: string; host: string }) => ({
  /** The interface to listen on (control and passive data connections). */
  MEDUSA_FTP_HOST: z.string().min(1).default(defaults.host),
  /** Passive data ports, published alongside the control port. */
  MEDUSA_FTP_PASV_PORTS: portRange.prefault(defaults.pasvPorts),
  /** The address PASV replies name (an IPv4 address or a host name): the one clients reach this host by. */
  MEDUSA_FTP_PASV_URL: z.string().min(1).optional(),
  /** PEM files: with both, clients can switch to TLS with AUTH TLS (explicit FTPS). */
  MEDUSA_FTP_TLS_CERT: z.string().min(1).optional(),
  MEDUSA_FTP_TLS_KEY: z.string().min(1).optional(),
  /** With a certificate, refuse logins before AUTH TLS (default 1); 0 lets plain-text logins in too. */
  MEDUSA_FTP_REQUIRE_TLS: flag,
  /** Cap on one file, the REST API's too. */
  MEDUSA_MAX_FILE_BYTES: intFrom(limits.fileBytes, 1),
  /** What one account may store, the REST API's too (10GiB, 500MB, or bytes). */
  MEDUSA_STORAGE_QUOTA: bytesFrom(String(limits.storageQuotaBytes)),
  /** Failed logins from one address before it is locked out, and for how long. */
  MEDUSA_FTP_LOCKOUT_AFTER: intFrom(DEFAULT_LOGIN_POLICY.lockoutAfter, 1),
  MEDUSA_FTP_LOCKOUT_MS: intFrom(DEFAULT_LOGIN_POLICY.lockoutMs, 1000),
});

/** The FTP service's configuration. */
export const FtpEnv = PortEnv.extend({
  MEDUSA_NATS_URL: natsUrlRequiredBy("ftp service"),
  MEDUSA_FTP_PORT: intFrom(2121, 0, 65_535),
  ...ftpVars({ pasvPorts: "30000-30009", host: "0.0.0.0" }),
  ...opsEnv(),
});
export type FtpEnv = z.infer<typeof FtpEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const ftpEnv = (source: EnvSource = process.env): FtpEnv => parseEnv(FtpEnv, source);

type FtpVars = z.infer<z.ZodObject<ReturnType<typeof ftpVars>>>;

/** startFtp's options from the variables, reading the certificate files; a bad combination throws naming the variable. */
export function ftpOptions(env: FtpVars, port: number): Omit<FtpDeps, "bus" | "blobs" | "log"> {
  const { MEDUSA_FTP_TLS_CERT: certFile, MEDUSA_FTP_TLS_KEY: keyFile } = env;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error("invalid configuration:\n  MEDUSA_FTP_TLS_CERT, MEDUSA_FTP_TLS_KEY: set both or neither");
  if (env.MEDUSA_FTP_REQUIRE_TLS && !certFile) throw new Error("invalid configuration:\n  MEDUSA_FTP_REQUIRE_TLS: needs MEDUSA_FTP_TLS_CERT and MEDUSA_FTP_TLS_KEY");
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`invalid configuration:\n  ${name}: cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const tls = certFile && keyFile ? { cert: read("MEDUSA_FTP_TLS_CERT", certFile), key: read("MEDUSA_FTP_TLS_KEY", keyFile) } : undefined;
  return {
    host: env.MEDUSA_FTP_HOST,
    port,
    pasvPorts: env.MEDUSA_FTP_PASV_PORTS,
    ...(env.MEDUSA_FTP_PASV_URL ? { pasvAddress: env.MEDUSA_FTP_PASV_URL } : {}),
    ...(tls ? { tls, requireTls: env.MEDUSA_FTP_REQUIRE_TLS ?? true } : {}),
    maxFileBytes: env.MEDUSA_MAX_FILE_BYTES,
    quotaBytes: env.MEDUSA_STORAGE_QUOTA,
    loginPolicy: { ...DEFAULT_LOGIN_POLICY, lockoutAfter: env.MEDUSA_FTP_LOCKOUT_AFTER, lockoutMs: env.MEDUSA_FTP_LOCKOUT_MS },
  };
}
