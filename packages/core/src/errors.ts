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
  payload_too_large: 413,
  unsupported: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  timeout: 504,
} as const;
export type ErrorCode = keyof typeof ErrorCode;

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export class MedusaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "MedusaError";
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

/** Turns a zod failure into an error that names the offending field. */
export function invalidFields(error: z.ZodError, where = "body"): MedusaError {
  const issues = error.issues.map((i) => ({ field: i.path.join(".") || where, message: i.message }));
  const first = issues[0]!;
  return new MedusaError("invalid_field", `${first.field}: ${first.message}`, { issues });
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where?: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidFields(parsed.error, where);
  return parsed.data;
}
