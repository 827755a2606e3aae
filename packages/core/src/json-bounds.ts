import { limits } from "./limits.ts";

/**
 * Bounds on JSON that came from a stranger (a node's result, a request body).
 * The engine parses arbitrarily deep JSON without trouble, but JSON.stringify
 * and every recursive walk over the value overflow the stack somewhere past a
 * few thousand levels, and a RangeError thrown there can end the process. So
 * depth is measured here without recursion, before anything recursive runs.
 */

/** What a result or body may nest: far past any honest data, far short of any stack. */
export const MAX_JSON_DEPTH = limits.jsonDepth;

/** The error message a too-deep value is refused with; `what` names it ("result", "body"). */
export const tooDeepMessage = (what: string, max: number = MAX_JSON_DEPTH) => `${what} nests deeper than ${max} levels`;

/** The error message a too-large result is refused with. */
export const tooLargeResultMessage = (bytes: number, max: number = limits.resultBytes) => `result is ${formatBytes(bytes)}, over the limit of ${formatBytes(max)}`;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when JSON text opens more than `max` arrays or objects inside one another; strings are skipped, so `"[[["` is no nesting. */
export function textNestsDeeper(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/** True when a value holds arrays or objects more than `max` levels deep; walked with an explicit stack. */
export function valueNestsDeeper(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** 16 MiB, 1.5 MiB (1572864 bytes), 100 bytes: a limit as an error message quotes it. */
export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  return n % MiB === 0 ? `${n / MiB} MiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB (${n} bytes)` : `${n} bytes`;
}
