/**
 * `npm run bench` with recommended changes patched in from outside
 * (instrument.ts), to measure what they would gain before anyone edits
 * the services. The results file is written as usual; label it yourself.
 *
 *   bun bench/profile/what-if-run.ts --what-if=defer-spares [--what-if=…] --only W4,W5
 */
import { whatIfNiceSpares, whatIfDeferSpares, whatIfSqliteNormal } from "./instrument.ts";

// Bun keeps a bare "--" out of argv, so the what-ifs are told apart by name.
const own = process.argv.slice(2).filter((a) => a.startsWith("--what-if="));
const forwarded = process.argv.slice(2).filter((a) => !a.startsWith("--what-if=") && a !== "--");
for (const arg of own) {
  if (arg === "--what-if=nice-spares") whatIfNiceSpares();
  else if (arg === "--what-if=defer-spares") whatIfDeferSpares();
  else if (arg === "--what-if=sqlite-normal") whatIfSqliteNormal();
  else throw new Error(`unknown option ${arg}; known: --what-if=nice-spares, --what-if=defer-spares, --what-if=sqlite-normal, and run.ts's options`);
}
console.log(`what-if: ${own.join(" ") || "none"}`);
process.argv.splice(2, process.argv.length, ...forwarded);
await import("../run.ts");
