/** Starts a runner from source: `bun runner-entry.ts <runtime>`; tests and dev use it. */
import { runRunner } from "./runner-main.ts";

process.exit(await runRunner(process.argv[2] ?? ""));
