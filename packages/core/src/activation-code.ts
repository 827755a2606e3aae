import { z } from "zod";

/**
 * One-time node activation codes: 10 characters of Crockford's base32 (no
 * I, L, O or U, so nothing reads as another), shown as `ABCDE-FGHJK`. That is
 * 50 bits: with codes living 15 minutes and guesses rate-limited, guessing a
 * live one is out of reach. Typing is forgiving: case, spaces and dashes do
 * not matter, and O, I, L are read as 0, 1, 1. Only the hash of the
 * normalised code is stored.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const ACTIVATION_CODE_LENGTH = 10;
export const ACTIVATION_TTL_MS = 15 * 60_000;

export function newActivationCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ACTIVATION_CODE_LENGTH));
  // 256 is a multiple of 32, so `% 32` keeps every character equally likely.
  const chars = [...bytes].map((b) => ALPHABET[b % 32]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** The code as stored (hashed): upper case, no separators, look-alikes mapped; null when it cannot be a code. */
export function normalizeActivationCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (code.length !== ACTIVATION_CODE_LENGTH) return null;
  return [...code].every((c) => ALPHABET.includes(c)) ? code : null;
}

export const ActivationCodeInput = z
  .string({ error: "code is required" })
  .max(40, "code is too long")
  .refine((s) => normalizeActivationCode(s) !== null, `code must be ${ACTIVATION_CODE_LENGTH} letters and digits, like ABCDE-FGHJK`);
