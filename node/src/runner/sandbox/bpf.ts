/**
 * Classic BPF, the few instructions a seccomp filter needs, with labels so a
 * filter reads top to bottom. Seccomp runs classic BPF only: jumps go forward,
 * conditional ones at most 255 instructions; `assemble` checks both.
 */

const Op = {
  ldAbsW: 0x20, // BPF_LD | BPF_W | BPF_ABS
  ja: 0x05, // BPF_JMP | BPF_JA
  jeq: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  jset: 0x45, // BPF_JMP | BPF_JSET | BPF_K
  ret: 0x06, // BPF_RET | BPF_K
} as const;

/** Where a jump goes: a label, or `next` for the following instruction. */
export type Target = string | typeof next;
export const next = Symbol("next");

export type Instruction =
  | { kind: "label"; name: string }
  | { kind: "load"; offset: number }
  | { kind: "jeq" | "jset"; k: number; jt: Target; jf: Target }
  | { kind: "goto"; to: string }
  | { kind: "ret"; k: number };

export const label = (name: string): Instruction => ({ kind: "label", name });
/** Loads the 32-bit word at `offset` of struct seccomp_data into the accumulator. */
export const load = (offset: number): Instruction => ({ kind: "load", offset });
export const jeq = (k: number, jt: Target, jf: Target = next): Instruction => ({ kind: "jeq", k, jt, jf });
/** Jumps to `jt` when `accumulator & k` is not zero. */
export const jset = (k: number, jt: Target, jf: Target = next): Instruction => ({ kind: "jset", k, jt, jf });
export const goto = (to: string): Instruction => ({ kind: "goto", to });
export const ret = (k: number): Instruction => ({ kind: "ret", k });

/** Encodes to an array of struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}, in host byte order. */
export function assemble(program: Instruction[]): Uint8Array {
  const code = program.filter((i) => i.kind !== "label");
  const at = new Map<string, number>();
  let index = 0;
  for (const instruction of program) {
    if (instruction.kind !== "label") index++;
    else if (at.has(instruction.name)) throw new Error(`label ${instruction.name} defined twice`);
    else at.set(instruction.name, index);
  }
  if (code.length === 0 || code.length > 4096) throw new Error(`a filter holds 1 to 4096 instructions, not ${code.length}`);

  const out = new Uint8Array(code.length * 8);
  const view = new DataView(out.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const offsetTo = (from: number, target: Target, max: number) => {
    if (target === next) return 0;
    const to = at.get(target);
    if (to === undefined) throw new Error(`no label ${target}`);
    const offset = to - from - 1;
    if (offset < 0) throw new Error(`jump back to ${target}: seccomp allows forward jumps only`);
    if (offset > max) throw new Error(`jump to ${target} spans ${offset} instructions, more than ${max}`);
    return offset;
  };
  code.forEach((instruction, i) => {
    let op: number;
    let jt = 0;
    let jf = 0;
    let k: number;
    switch (instruction.kind) {
      case "load":
        [op, k] = [Op.ldAbsW, instruction.offset];
        break;
      case "jeq":
      case "jset":
        [op, k] = [Op[instruction.kind], instruction.k];
        jt = offsetTo(i, instruction.jt, 255);
        jf = offsetTo(i, instruction.jf, 255);
        break;
      case "goto":
        [op, k] = [Op.ja, offsetTo(i, instruction.to, 0xffffffff)];
        break;
      case "ret":
        [op, k] = [Op.ret, instruction.k];
        break;
      default:
        throw new Error("unreachable");
    }
    view.setUint16(i * 8, op, little);
    view.setUint8(i * 8 + 2, jt);
    view.setUint8(i * 8 + 3, jf);
    view.setUint32(i * 8 + 4, k >>> 0, little);
  });
  return out;
}
