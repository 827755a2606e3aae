/**
 * W3's kernel, line for line the peers' count_primes_range (workloads.py):
 * trial division by 2, then by odd i while i*i <= n.
 */
export const PRIMES_LIMIT = 2_000_000;
export const PRIMES_CHUNKS = 200;
export const PRIMES_EXPECTED = 148_933;

export const PRIMES_SOURCE = `def count_primes_range(lo, hi):
    c = 0
    for n in range(lo, hi):
        if n < 2:
            continue
        if n % 2 == 0:
            if n == 2:
                c += 1
            continue
        i = 3
        prime = True
        while i * i <= n:
            if n % i == 0:
                prime = False
                break
            i += 2
        if prime:
            c += 1
    return c

def map(chunk):
    return count_primes_range(chunk[0], chunk[1])
`;

/** [lo, hi) half-open ranges of equal width covering [0, limit), as prime_chunks() makes them. */
export function primeChunks(limit = PRIMES_LIMIT, chunks = PRIMES_CHUNKS): Array<[number, number]> {
  const step = Math.floor(limit / chunks);
  return Array.from({ length: chunks }, (_, k) => [k * step, k === chunks - 1 ? limit : (k + 1) * step]);
}
