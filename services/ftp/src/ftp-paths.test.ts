import { expect, test } from "bun:test";
import { FtpPathError, resolveFtpPath } from "./ftp-paths.ts";

test("names resolve against the current folder, / is the top of the account's files", () => {
  expect(resolveFtpPath("", "a.txt")).toBe("a.txt");
  expect(resolveFtpPath("data/in", "x.csv")).toBe("data/in/x.csv");
  expect(resolveFtpPath("data/in", "/x.csv")).toBe("x.csv");
  expect(resolveFtpPath("data/in", "..")).toBe("data");
  expect(resolveFtpPath("data/in", "../../b")).toBe("b");
  expect(resolveFtpPath("data", "./sub//file/")).toBe("data/sub/file");
  expect(resolveFtpPath("data", null)).toBe("data");
  expect(resolveFtpPath("", "/")).toBe("");
  // An absolute path names the account's own tree, never the disk's.
  expect(resolveFtpPath("", "/etc/passwd")).toBe("etc/passwd");
});

test("climbing above the top, NUL bytes, backslashes and over-long names are refused", () => {
  const refused = ["..", "../x", "/../x", "a/../../x", "a\0b", "a\\..\\b", "x".repeat(201), `${"d/".repeat(300)}f`];
  for (const name of refused) expect(() => resolveFtpPath("", name), JSON.stringify(name)).toThrow(FtpPathError);
  expect(() => resolveFtpPath("a/b", "../../..")).toThrow("climbs above your top folder");
  expect(() => resolveFtpPath("", "a\0b")).toThrow("NUL");
});
