/*
 * W3's kernel as a WASI command module: each stdin line is one item, a JSON
 * array [lo, hi]; each stdout line is its result, the count of primes n with
 * lo <= n < hi, by trial division by 2, then by odd i while i*i <= n (line
 * for line the peers' count_primes_range, ../../bench/workloads/primes.ts).
 *
 *   clang --target=wasm32-wasi -O2 -o primes.wasm primes.c    (or ./build.sh)
 */
#include <stdio.h>
#include <stdlib.h>

static long long count_primes_range(long long lo, long long hi) {
  long long c = 0;
  for (long long n = lo; n < hi; n++) {
    if (n < 2) continue;
    if (n % 2 == 0) {
      if (n == 2) c++;
      continue;
    }
    int prime = 1;
    for (long long i = 3; i * i <= n; i += 2) {
      if (n % i == 0) {
        prime = 0;
        break;
      }
    }
    c += prime;
  }
  return c;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  long item = 0;
  while (getline(&line, &cap, stdin) > 0) {
    long long lo, hi;
    if (sscanf(line, " [ %lld , %lld ]", &lo, &hi) != 2) {
      fprintf(stderr, "item %ld is not [lo, hi]: %s", item, line);
      return 1;
    }
    printf("%lld\n", count_primes_range(lo, hi));
    item++;
  }
  free(line);
  return 0;
}
