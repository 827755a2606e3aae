import { z } from "zod";

/** Stable error codes; `httpStatus` is the one place codes map to HTTP statuses. */
export const ErrorCode = {
  bad_request: 400,
  invalid_field: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** It existed and was deleted on purpose (a job past its retention). */
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unsupported: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  timeout: 504,
  /** The account's storage quota is full: the caller's to fix (delete files), though a 5xx by number (WebDAV's 507). */
  insufficient_storage: 507,
} as const;
export type ErrorCode = keyof typeof ErrorCode;

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export class MedusaError extends Error {
  /**
   * A 5xx normally leaves the system as a generic message (see `publicError`);
   * `expose` marks one whose message was written for the caller (e.g. "no node
   * is online"). It never crosses the bus: only the process that wrote it knows.
   */
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options: { expose?: boolean } = {},
  ) {
    super(message);
    this.name = "MedusaError";
    this.expose = options.expose ?? false;
  }

  get httpStatus(): number {
    return ErrorCode[this.code] ?? 500;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorBody): MedusaError {
    const code = (body.code in ErrorCode ? body.code : "internal") as ErrorCode;
    return new MedusaError(code, body.message, body.details);
  }
}

export const notFound = (what: string) => new MedusaError("not_found", `${what} not found`);

/** An error's message for a log line or a wrapped error, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const SEALED: Partial<Record<ErrorCode, string>> = {
  unavailable: "a service is unavailable; try again shortly",
  timeout: "a service did not answer in time; try again",
};

/**
 * What may leave the system for `err`: a caller's mistake (4xx) as it is;
 * anything else as a generic message naming `requestId`, under which the
 * original is logged. An internal message, a stack or a service's name never
 * reaches a client.
 */
export function publicError(err: unknown, requestId: string): MedusaError {
  if (err instanceof MedusaError && (err.httpStatus < 500 || err.expose)) return err;
  const code = err instanceof MedusaError ? err.code : "internal";
  const generic = SEALED[code] ?? "internal error";
  return new MedusaError(code, `${generic} (request ${requestId})`, { requestId });
}
