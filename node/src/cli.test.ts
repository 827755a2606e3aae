import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { defaultSlots, nodeSocketUrl, parseCli } from "./cli.ts";

const run = (argv: string[], env: Record<string, string> = {}) => {
  const cmd = parseCli(argv, env);
  if (cmd.kind !== "run") throw new Error(`expected run, got ${JSON.stringify(cmd)}`);
  return cmd.options;
};
const error = (argv: string[], env: Record<string, string> = {}) => {
  const cmd = parseCli(argv, env);
  if (cmd.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(cmd)}`);
  return cmd.message;
};

describe("parseCli", () => {
  test("takes flags in both spellings; slots stay unset unless given, the UI defaults to port 7077", () => {
    expect(run(["--gateway", "http://h:8080", "--token=abc", "--slots", "3", "--memory-mb=512", "--ui-port=9000", "--settings", "/tmp/s.json"])).toEqual({
      gateway: "http://h:8080",
      token: "abc",
      slots: 3,
      memoryMb: 512,
      uiPort: 9000,
      settings: "/tmp/s.json",
    });
    expect(run(["--gateway", "https://h", "--token", "t"])).toEqual({ gateway: "https://h", token: "t", uiPort: 7077 });
    expect(run(["--gateway", "https://h", "--token", "t", "--no-ui"]).uiPort).toBeNull();
    expect(run(["--gateway", "https://h", "--token", "t", "--allow-unsandboxed-python"]).allowUnsandboxedPython).toBe(true);
    expect(run(["--gateway", "https://h", "--token", "t", "--ui-port", "0"]).uiPort).toBe(0);
    expect(defaultSlots()).toBe(Math.max(1, availableParallelism() - 1));
  });

  test("falls back to MEDUSA_GATEWAY and MEDUSA_NODE_TOKEN; flags win", () => {
    const env = { MEDUSA_GATEWAY: "http://env:1", MEDUSA_NODE_TOKEN: "envtok" };
    expect(run([], env)).toMatchObject({ gateway: "http://env:1", token: "envtok" });
    expect(run(["--token", "flag"], env).token).toBe("flag");
  });

  test("--gateway takes several gateways, comma-separated or repeated, each checked", () => {
    expect(run(["--gateway", "http://a:8080,http://b:8080", "--token", "t"]).gateway).toBe("http://a:8080,http://b:8080");
    expect(run(["--gateway", "http://a:8080", "--gateway=http://b:8080", "--token", "t"]).gateway).toBe("http://a:8080,http://b:8080");
    expect(run([], { MEDUSA_GATEWAY: "http://a,http://b", MEDUSA_NODE_TOKEN: "t" }).gateway).toBe("http://a,http://b");
    expect(error(["--gateway", "http://a,ftp://b", "--token", "t"])).toContain("--gateway must be an http");
  });

  test("gateway and token may be left out: activation or the saved credentials supply them", () => {
    expect(run([])).toEqual({ uiPort: 7077 });
    expect(run(["--gateway", "http://h"])).toEqual({ gateway: "http://h", uiPort: 7077 });
  });

  test("activate takes the code and the gateway, from the flag or MEDUSA_GATEWAY", () => {
    expect(parseCli(["activate", "ABCDE-FGHJK", "--gateway", "http://h:8080"])).toEqual({ kind: "activate", code: "ABCDE-FGHJK", gateway: "http://h:8080" });
    expect(parseCli(["activate", "--gateway=https://h", "abcde fghjk", "--settings", "/tmp/s.json"], {})).toEqual({ kind: "activate", code: "abcde fghjk", gateway: "https://h", settings: "/tmp/s.json" });
    expect(parseCli(["activate", "C"], { MEDUSA_GATEWAY: "http://env" })).toEqual({ kind: "activate", code: "C", gateway: "http://env" });
    expect(error(["activate"], {})).toContain("activate needs the code");
    expect(error(["activate", "C"], {})).toContain("activate needs --gateway");
    expect(error(["activate", "C", "--gateway", "ftp://h"])).toContain("--gateway must be an http");
    expect(error(["activate", "C", "D", "--gateway", "http://h"])).toBe("unexpected argument D");
    expect(error(["activate", "C", "--token", "t"])).toBe("unknown option --token for activate");
  });

  test("names what is wrong", () => {
    expect(error(["--gateway", "ftp://h", "--token", "t"])).toContain("--gateway must be an http");
    expect(error(["--gateway", "not a url", "--token", "t"])).toContain("--gateway must be an http");
    expect(error(["--gateway", "http://h", "--token", "t", "--slots", "0"])).toContain("--slots must be at least 1");
    expect(error(["--gateway", "http://h", "--token", "t", "--slots", "two"])).toContain("--slots must be a number");
    expect(error(["--gateway", "http://h", "--token", "t", "--slots", "1.5"])).toContain("--slots must be a whole number");
    expect(error(["--gateway", "http://h", "--token", "t", "--memory-mb", "1"])).toContain("--memory-mb must be at least 64");
    expect(error(["--gateway", "http://h", "--token"])).toBe("--token needs a value");
    expect(error(["--gateway", "http://h", "--token", "t", "--ui-port", "70000"])).toContain("--ui-port must be at most 65535");
    expect(error(["--gateway", "http://h", "--token", "t", "--ui-port", "x"])).toContain("--ui-port must be a number");
    expect(error(["--bogus"])).toBe("unknown option --bogus");
    expect(error(["stray"])).toBe("unexpected argument stray");
  });

  test("help and version win over everything else", () => {
    expect(parseCli(["--bogus", "--help"]).kind).toBe("error");
    expect(parseCli(["--help", "--bogus"]).kind).toBe("help");
    expect(parseCli(["-h"]).kind).toBe("help");
    expect(parseCli(["--version"]).kind).toBe("version");
  });
});

describe("nodeSocketUrl", () => {
  test("maps http(s) to ws(s) and appends the node socket path", () => {
    expect(nodeSocketUrl("http://host:8080")).toBe("ws://host:8080/v1/nodes/ws");
    expect(nodeSocketUrl("https://example.org/medusa/")).toBe("wss://example.org/medusa/v1/nodes/ws");
  });
});

describe("medusa-node's command line", () => {
  const main = new URL("./main.ts", import.meta.url).pathname;
  const exec = (args: string[]) => {
    const p = Bun.spawnSync([process.execPath, main, ...args], { env: { PATH: process.env.PATH ?? "" } });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("a missing option exits 2 with the reason and the usage", () => {
    const r = exec(["--token", "t", "--settings", `/tmp/medusa-cli-${process.pid}/settings.json`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("medusa-node: --gateway is required");
    expect(r.err).toContain("Usage:");
    const noUi = exec(["--no-ui", "--settings", `/tmp/medusa-cli-${process.pid}/settings.json`]);
    expect(noUi.code).toBe(2);
    expect(noUi.err).toContain("--token is required (or set MEDUSA_NODE_TOKEN, or run medusa-node activate CODE --gateway URL first)");
  });

  test("--help prints the usage and exits 0", () => {
    const r = exec(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("--gateway URL");
  });

  test("runner mode refuses an unknown runtime", () => {
    expect(exec(["runner", "cobol"]).code).toBe(2);
    expect(exec(["runner", "python", "--bogus"]).code).toBe(2);
  });
});
