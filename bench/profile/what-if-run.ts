/**
 * `npm run bench` with recommended changes patched in from outside
 * (instrument.ts), to measure what they would gain before anyone edits
 * the services. The results file is written as usual; label it yourself.
 *
 *   bun bench/profile/what-if-run.ts --what-if=nice-spares [--what-if=sqlite-normal] -- --only W4,W5
 */
import { whatIfNiceSpares, whatIfSqliteNormal } from "./instrument.ts";

const split = process.argv.indexOf("--");
const own = process.argv.slice(2, split < 0 ? undefined : split);
const forwarded = split < 0 ? [] : process.argv.slice(split + 1);
for (const arg of own) {
  if (arg === "--what-if=nice-spares") whatIfNiceSpares();
  else if (arg === "--what-if=sqlite-normal") whatIfSqliteNormal();
  else throw new Error(`unknown option ${arg}; known: --what-if=nice-spares, --what-if=sqlite-normal, then -- and run.ts's options`);
}
console.log(`what-if: ${own.join(" ") || "none"}`);
process.argv.splice(2, process.argv.length, ...forwarded);
await import("../run.ts");
