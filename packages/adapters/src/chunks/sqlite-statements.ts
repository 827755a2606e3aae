import type { Database, Statement } from "bun:sqlite";

/**
 * Compiled statements per database, kept for as long as the database is.
 * `db.query()` caches only the 20 most recently used SQL strings, fewer than
 * one transition of the chunk store touches, so it would recompile nearly
 * every statement every time (measured: most of a lease's CPU).
 */
const compiled = new WeakMap<Database, Map<string, Statement>>();

export function statements(db: Database): (sql: string) => Statement {
  let cache = compiled.get(db);
  if (!cache) compiled.set(db, (cache = new Map()));
  const known = cache;
  return (sql) => {
    let s = known.get(sql);
    if (!s) known.set(sql, (s = db.prepare(sql)));
    return s;
  };
}

/** Releases the compiled statements before the database closes. */
export function finalizeStatements(db: Database): void {
  for (const s of compiled.get(db)?.values() ?? []) s.finalize();
  compiled.delete(db);
}
