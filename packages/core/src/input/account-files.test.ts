import { expect, test } from "bun:test";
import { MedusaError } from "../errors.ts";
import { checkFilePath, filePathProblem } from "./account-files.ts";

test("ordinary relative paths are fine", () => {
  for (const p of ["a", "a.txt", "dir/sub/file.wasm", "with space/ü.json", "..hidden", "a..b"]) expect(filePathProblem(p)).toBeNull();
});

test("anything that could leave the account's folder is refused", () => {
  for (const p of ["", "/abs", "../x", "a/../../b", "a/./b", "a//b", "a/", "a\\b", "a\0b", "x".repeat(513), "é".repeat(101)]) {
    expect(filePathProblem(p), JSON.stringify(p)).not.toBeNull();
  }
});

test("checkFilePath names the field it was given", () => {
  try {
    checkFilePath("../x", "input.file");
    throw new Error("accepted");
  } catch (err) {
    expect(err).toBeInstanceOf(MedusaError);
    expect((err as MedusaError).httpStatus).toBe(400);
    expect((err as MedusaError).message).toBe("input.file: has a '..' segment");
  }
});
