import { describe, expect, test } from "bun:test";
import { ActivationCodeInput, newActivationCode, normalizeActivationCode } from "./activation-code.ts";

describe("activation codes", () => {
  test("are two groups of five unambiguous characters, different every time", () => {
    const codes = Array.from({ length: 200 }, newActivationCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(new Set(codes).size).toBe(200);
  });

  test("read the same however they are typed", () => {
    const code = "AB0DE-F1HJK";
    expect(normalizeActivationCode(code)).toBe("AB0DEF1HJK");
    expect(normalizeActivationCode(" ab0de f1hjk ")).toBe("AB0DEF1HJK");
    expect(normalizeActivationCode("abode-fihjk")).toBe("AB0DEF1HJK");
    expect(normalizeActivationCode("ABODEFLHJK")).toBe("AB0DEF1HJK");
  });

  test("refuse what cannot be a code, naming the field", () => {
    expect(normalizeActivationCode("ABCDE")).toBeNull();
    expect(normalizeActivationCode("ABCDE-FGHJU")).toBeNull();
    expect(normalizeActivationCode("ABCDE-FGHJ!")).toBeNull();
    const parsed = ActivationCodeInput.safeParse("nope");
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toContain("code must be 10 letters and digits");
  });
});
