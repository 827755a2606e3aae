/** A non-2xx answer of the API: its status, the body's error code and message, and the field it names, if any. */
export class ApiError extends Error {
  readonly field: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "ApiError";
    this.field = code === "invalid_field" && /^[\w.[\]-]+: /.test(message) ? message.slice(0, message.indexOf(":")) : undefined;
  }

  /** The error of a failed response, read from its `{"error": {…}}` body when it has one. */
  static async of(res: Response): Promise<ApiError> {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; details?: unknown } };
    return new ApiError(res.status, body.error?.code ?? "unknown", body.error?.message ?? (res.statusText || "no message"), body.error?.details);
  }
}
