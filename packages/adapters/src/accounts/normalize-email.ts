/** Emails are compared case-insensitively: callers lowercase, and the stores do it again so no adapter depends on that. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
