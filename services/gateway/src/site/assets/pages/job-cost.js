// The worst case a job can cost, as the scheduler computes it before running
// anything: chunks × replicas × price per chunk, where chunks count the
// reduce chunk too. For a file the item count is bounded from its size (a
// line is at least one byte, a JSON item at least two), so it is "at most".

export const definesReduce = (source) => /^def\s+reduce\s*\(/m.test(source);

/** Items the input holds: `{count, exact}`, or null when it cannot be told (bad JSON, no file). */
export function itemCount(input, files) {
  if (input.kind === "range") {
    const { start, stop, step } = input;
    if (![start, stop, step].every(Number.isInteger) || step === 0) return null;
    return { count: Math.max(0, Math.ceil((stop - start) / step)), exact: true };
  }
  if (input.kind === "items") return Array.isArray(input.items) ? { count: input.items.length, exact: true } : null;
  const file = files.find((f) => f.path === input.file);
  if (!file) return null;
  return { count: input.format === "lines" ? file.size : Math.floor(file.size / 2) + 1, exact: false };
}

/** `{chunks, worst, exact}` or null when a figure is missing. */
export function worstCase({ items, chunkSize, replicas, price, reduce }) {
  if (!items || !(chunkSize >= 1) || !(replicas >= 1) || !(price >= 0)) return null;
  const chunks = Math.ceil(items.count / chunkSize) + (reduce ? 1 : 0);
  return { chunks, worst: chunks * replicas * price, exact: items.exact };
}
