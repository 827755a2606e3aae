#!/usr/bin/env bun
/**
 * medusa-node's entry point, for the volunteer and for its own runner
 * processes (`medusa-node runner <runtime>`): one executable does both.
 */
export {};

const argv = Bun.argv.slice(2);

if (argv[0] === "runner") {
  process.exit(await runnerMode(argv.slice(1)));
} else if (argv[0] === "selftest") {
  const { selftest } = await import("./selftest.ts");
  process.exit((await selftest()) ? 0 : 1);
} else {
  await nodeMode(argv);
}

async function runnerMode(args: string[]): Promise<number> {
  // Before the runner's modules load: Pyodide's module compiles on its own thread meanwhile.
  (await import("./runner/wasm-early.ts")).compilePythonEarly(args);
  const { parseRunnerArgs, runRunner } = await import("./runner/runner-main.ts");
  const parsed = parseRunnerArgs(args);
  if ("error" in parsed) {
    process.stderr.write(`runner: ${parsed.error}\n`);
    return 2;
  }
  return runRunner(parsed.runtime, parsed.opts);
}

async function nodeMode(args: string[]): Promise<void> {
  const { parseCli, USAGE } = await import("./cli.ts");
  const { NODE_VERSION } = await import("./version.ts");
  const command = parseCli(args);
  if (command.kind === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (command.kind === "version") {
    console.log(NODE_VERSION);
    return;
  }
  if (command.kind === "error") {
    process.stderr.write(`medusa-node: ${command.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (command.kind === "activate") {
    const { activateCommand } = await import("./run-node.ts");
    process.exit(await activateCommand(command));
  }
  const { runNode } = await import("./run-node.ts");
  const node = await runNode(command.options);
  if (!node) {
    process.stderr.write(`\n${USAGE}`);
    process.exit(2);
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    // A second signal means "now": skip the grace period.
    if (++signals > 1) process.exit(130);
    console.log(`[node] ${signal}: finishing running chunks (Ctrl-C again to quit at once)`);
    node.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  const { surviveStrayErrors } = await import("@medusa/core/process-guard");
  surviveStrayErrors("node");
}
