import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { CreditsEnv, creditsEnv } from "@medusa/credits/env";
import { FtpEnv, ftpEnv } from "@medusa/ftp/env";
import { GatewayEnv, gatewayEnv } from "@medusa/gateway/env";
import { SchedulerEnv, schedulerEnv } from "@medusa/scheduler/env";
import { SplitterEnv, splitterEnv } from "@medusa/splitter/env";
import { ROOT } from "./import-graph.ts";

/**
 * compose.yaml against what the services accept: each Medusa service's
 * command is its entry point, every variable it sets is one its env.ts
 * declares and parses, and its health check asks the ops listener it will
 * really open (the gateway's port, or MEDUSA_METRICS_PORT) for a route it
 * serves. Docker's own `docker stack config` must accept the file too.
 */
interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  stop_grace_period?: string;
  volumes?: string[];
  deploy?: { update_config?: { order?: string; failure_action?: string }; resources?: { limits?: { cpus?: string; memory?: string } }; mode?: string };
}

const text = await Bun.file(join(ROOT, "compose.yaml")).text();
const compose = Bun.YAML.parse(text) as { services: Record<string, ComposeService> };
/** `${NAME:-default}` as Docker resolves it with NAME unset. */
const interpolate = (value: string) => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");

const services: Record<string, { schema: z.ZodObject; parse: (env: Record<string, string>) => Record<string, unknown>; opsPort: (env: Record<string, unknown>) => unknown }> = {
  gateway: { schema: GatewayEnv, parse: gatewayEnv, opsPort: (env) => env.MEDUSA_PORT },
  scheduler: { schema: SchedulerEnv, parse: schedulerEnv, opsPort: (env) => env.MEDUSA_METRICS_PORT },
  splitter: { schema: SplitterEnv, parse: splitterEnv, opsPort: (env) => env.MEDUSA_METRICS_PORT },
  credits: { schema: CreditsEnv, parse: creditsEnv, opsPort: (env) => env.MEDUSA_METRICS_PORT },
  ftp: { schema: FtpEnv, parse: ftpEnv, opsPort: (env) => env.MEDUSA_METRICS_PORT },
};
/** SIGTERM's bound in shutdownOn (every service's main.ts passes at most this). */
const SHUTDOWN_LIMIT_S = 10;

describe("compose.yaml", () => {
  test("runs every Medusa service, and nothing that is not one from the Medusa image", () => {
    const fromImage = Object.entries(compose.services).filter(([, s]) => s.image === "medusa:latest").map(([name]) => name);
    expect(fromImage.sort()).toEqual(Object.keys(services).sort());
  });

  for (const [name, service] of Object.entries(services)) {
    describe(name, () => {
      const spec = compose.services[name]!;
      const env = Object.fromEntries(Object.entries(spec.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

      test("its command is its entry point", () => {
        expect(spec.command).toEqual(["bun", `services/${name}/src/main.ts`]);
        expect(existsSync(join(ROOT, spec.command![1]!))).toBe(true);
      });

      test("sets only variables its env.ts declares, and they parse", () => {
        const declared = Object.keys(service.schema.shape);
        expect(Object.keys(env).filter((k) => !declared.includes(k))).toEqual([]);
        expect(() => service.parse(env)).not.toThrow();
      });

      test("its health check asks the ops listener the service opens, on a route it serves", () => {
        const [kind, bin, flag, script] = spec.healthcheck!.test;
        expect([kind, bin, flag]).toEqual(["CMD", "bun", "-e"]);
        const url = /fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/\w+)'\)/.exec(script!);
        expect(url).not.toBeNull();
        expect(Number(url![1])).toBe(service.opsPort(service.parse(env)) as number);
        expect(["/readyz", "/healthz"]).toContain(url![2]!);
      });

      test("rolls updates one healthy task at a time, within resource limits, and waits out the drain", () => {
        expect(spec.deploy?.update_config?.order).toBe(spec.deploy?.mode === "global" ? "stop-first" : "start-first");
        expect(spec.deploy?.update_config?.failure_action).toBe("rollback");
        expect(spec.deploy?.resources?.limits?.cpus).toBeDefined();
        expect(spec.deploy?.resources?.limits?.memory).toBeDefined();
        expect(Number.parseInt(spec.stop_grace_period ?? "0", 10)).toBeGreaterThan(SHUTDOWN_LIMIT_S);
      });
    });
  }

  test("Redis keeps an append-only file synced every second, and NATS keeps JetStream on file storage, both on volumes", () => {
    const redis = compose.services.redis!;
    expect(redis.command!.join(" ")).toContain("--appendonly yes --appendfsync everysec");
    expect(redis.volumes).toContain("redis:/data");
    const nats = compose.services.nats!;
    expect(nats.command!.join(" ")).toContain("-js -sd /data");
    expect(nats.volumes).toContain("nats:/data");
    for (const name of ["redis", "nats", "mongo"]) expect(compose.services[name]!.healthcheck).toBeDefined();
  });

  const docker = Bun.which("docker");
  if (!docker && process.env.MEDUSA_REQUIRE_SERVICES === "1") throw new Error("the docker CLI is missing, and MEDUSA_REQUIRE_SERVICES=1: compose.yaml cannot be validated");
  if (!docker) console.warn("SKIP: no docker CLI; `docker stack config` is not run. Set MEDUSA_REQUIRE_SERVICES=1 to fail instead.");
  test.skipIf(!docker)("docker stack config accepts it and reads the same variables", () => {
    const env = { ...process.env };
    delete env.MEDUSA_FTP_PASV_URL;
    const run = Bun.spawnSync([docker!, "stack", "config", "-c", "compose.yaml"], { cwd: ROOT, env, stderr: "pipe" });
    expect({ code: run.exitCode, stderr: run.stderr.toString() }).toEqual({ code: 0, stderr: "" });
    const resolved = Bun.YAML.parse(run.stdout.toString()) as { services: Record<string, ComposeService> };
    for (const name of Object.keys(services)) {
      const ours = Object.fromEntries(Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
      expect(resolved.services[name]!.environment).toEqual(ours);
    }
  });
});
