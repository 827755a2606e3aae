import { describe, expect, test } from "bun:test";
import { assemble, goto, jeq, jset, label, load, next, ret } from "./bpf.ts";

const words = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 8 }, (_, i) => [view.getUint16(i * 8, true), view.getUint8(i * 8 + 2), view.getUint8(i * 8 + 3), view.getUint32(i * 8 + 4, true)]);
};

describe("BPF assembler", () => {
  test("encodes struct sock_filter {code, jt, jf, k} with label offsets counted from the next instruction", () => {
    const program = assemble([load(4), jeq(0xc000003e, next, "bad"), jset(0x10000, "ok"), label("bad"), ret(0), label("ok"), ret(0x7fff0000), goto("ok2"), label("ok2"), ret(1)]);
    expect(words(program)).toEqual([
      [0x20, 0, 0, 4],
      [0x15, 0, 1, 0xc000003e],
      [0x45, 1, 0, 0x10000],
      [0x06, 0, 0, 0],
      [0x06, 0, 0, 0x7fff0000],
      [0x05, 0, 0, 0],
      [0x06, 0, 0, 1],
    ]);
  });

  test("refuses what seccomp would refuse or misread", () => {
    expect(() => assemble([label("a"), ret(0), jeq(1, "a")])).toThrow("forward jumps only");
    expect(() => assemble([jeq(1, "nowhere"), ret(0)])).toThrow("no label nowhere");
    expect(() => assemble([label("a"), label("a"), ret(0)])).toThrow("defined twice");
    const far = [jeq(1, "end"), ...Array.from({ length: 256 }, () => ret(0)), label("end"), ret(1)];
    expect(() => assemble(far)).toThrow("spans 256 instructions, more than 255");
    expect(() => assemble([])).toThrow("1 to 4096 instructions");
  });
});
