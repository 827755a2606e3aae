/** Random, URL-safe ids; the prefix says what kind of thing the id names. */
export function newId(prefix: string, bytes = 12): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return `${prefix}_${Buffer.from(buf).toString("base64url")}`;
}

export function newSecret(prefix: string): string {
  return newId(prefix, 24);
}

export function sha256Hex(text: string | Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}
