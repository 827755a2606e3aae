/** What read commands print: JSON with `--json` (for scripts), else an aligned table or lines. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cells = rows.map((row) => columns.map((c) => (row[c] === undefined || row[c] === null ? "" : String(row[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd() + "\n";
  process.stdout.write(line(columns.map((c) => c.toUpperCase())));
  for (const row of cells) process.stdout.write(line(row));
}

/** Human lines go to stderr, so stdout carries only results and JSON. */
export const say = (text: string) => process.stderr.write(text + "\n");
