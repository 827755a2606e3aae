import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { MedusaError } from "@medusa/core";
import type { HttpEnv } from "../http/types.ts";

/** The Python client in this checkout (clients/python), served whole. */
export const PYTHON_CLIENT = join(import.meta.dir, "../../../../clients/python/medusa.py");

/**
 * `GET /medusa.py`: the Python client as one file, so `curl -O
 * http://<gateway>/medusa.py` beside a script is the whole install, and it
 * always matches the gateway that served it. Read once, at start; an image
 * built without clients/ answers 404 saying so. Mounted at `/`.
 */
export function pythonClientRoutes(path = PYTHON_CLIENT) {
  let body: string | null = null;
  try {
    body = readFileSync(path, "utf8");
  } catch {
    body = null;
  }
  return new Hono<HttpEnv>().get("/medusa.py", (c) => {
    if (body === null) throw new MedusaError("not_found", "this gateway was installed without the Python client (clients/python/medusa.py)");
    return c.body(body, 200, { "content-type": "text/x-python; charset=utf-8", "content-disposition": 'attachment; filename="medusa.py"', "cache-control": "no-cache", "x-content-type-options": "nosniff" });
  });
}
