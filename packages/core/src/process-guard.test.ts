import { expect, test } from "bun:test";
import { join } from "node:path";

/** In a child process, since the guard is process-wide: a stray rejection and a stray throw are logged, and the process lives on to say so. */
test("an unhandled rejection and an uncaught exception are logged and survived", async () => {
  const guard = join(import.meta.dir, "process-guard.ts");
  const script = `
    const { surviveStrayErrors } = await import(${JSON.stringify(guard)});
    surviveStrayErrors("probe", (line) => console.log(line.split("\\n")[0]));
    Promise.reject(new RangeError("Maximum call stack size exceeded."));
    setTimeout(() => { throw new TypeError("a handler's bug"); }, 10);
    setTimeout(() => console.log("still alive"), 200);
  `;
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(out.trim().split("\n")).toEqual([
    "[probe] unhandled rejection (survived): Maximum call stack size exceeded.",
    "[probe] uncaught exception (survived): a handler's bug",
    "still alive",
  ]);
  expect(code).toBe(0);
});
