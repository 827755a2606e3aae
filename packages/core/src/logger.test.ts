import { describe, expect, test } from "bun:test";
import { parseEnv, PortEnv } from "./env.ts";
import { MedusaError } from "./errors.ts";
import { createLogger, errorFields, toLogger } from "./logger.ts";
import { withRequestId } from "./request-context.ts";

describe("logger", () => {
  const capture = (level?: "debug" | "info" | "warn" | "error") => {
    const lines: string[] = [];
    const log = createLogger({ service: "test", level, write: (l) => lines.push(l), now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
    return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  test("one JSON object per line: time, level, service, message, then the fields", () => {
    const { log, lines, parsed } = capture();
    log.info("job done", { jobId: "job_1", chunks: { total: 2 } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(parsed()[0]).toEqual({ t: "2025-01-02T03:04:05.000Z", level: "info", service: "test", msg: "job done", jobId: "job_1", chunks: { total: 2 } });
  });

  test("lines below the level are dropped; info by default", () => {
    const info = capture();
    info.log.debug("noise");
    info.log.info("kept");
    const warn = capture("warn");
    warn.log.info("dropped");
    warn.log.warn("kept");
    warn.log.error("kept too");
    expect(info.parsed().map((l) => l.msg)).toEqual(["kept"]);
    expect(warn.parsed().map((l) => l.level)).toEqual(["warn", "error"]);
  });

  test("a line written while serving a request carries its id", () => {
    const { log, parsed } = capture();
    withRequestId("req_abc", () => log.warn("inside"));
    log.warn("outside");
    expect(parsed().map((l) => l.requestId)).toEqual(["req_abc", undefined]);
  });

  test("a function sink gets the message and the fields as text", () => {
    const lines: string[] = [];
    const log = toLogger((l) => lines.push(l));
    log.warn("plain");
    log.error("with fields", { a: 1 });
    expect(lines).toEqual(["plain", 'with fields {"a":1}']);
  });

  test("errors as fields: a bug keeps its stack, an expected failure its code", () => {
    const bug = errorFields(new TypeError("x is undefined"));
    expect(bug.error).toBe("x is undefined");
    expect(String(bug.stack)).toContain("logger.test.ts");
    expect(errorFields(new MedusaError("not_found", "job j not found"))).toEqual({ error: "job j not found", code: "not_found" });
    expect(errorFields("a string")).toEqual({ error: "a string" });
  });

  test("MEDUSA_LOG_LEVEL is one of debug, info, warn, error; info when unset", () => {
    expect(parseEnv(PortEnv, {}).MEDUSA_LOG_LEVEL).toBe("info");
    expect(parseEnv(PortEnv, { MEDUSA_LOG_LEVEL: "debug" }).MEDUSA_LOG_LEVEL).toBe("debug");
    expect(() => parseEnv(PortEnv, { MEDUSA_LOG_LEVEL: "loud" })).toThrow(/MEDUSA_LOG_LEVEL/);
  });
});
