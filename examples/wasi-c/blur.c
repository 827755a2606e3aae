/*
 * An image kernel as a WASI command module: a 3x3 box blur of a grayscale
 * image. Each stdin line is one image, {"width": W, "height": H, "pixels":
 * [W*H values 0..255, row by row]}; each stdout line is the blurred image in
 * the same shape. A pixel becomes the mean of its in-bounds 3x3 neighbours,
 * rounded to nearest (half up).
 *
 *   clang --target=wasm32-wasi -O2 -o blur.wasm blur.c        (or ./build.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The integer after "key": in the line, or -1. Keys may come in any order. */
static long field(const char *line, const char *key, const char **after) {
  const char *at = strstr(line, key);
  if (!at) return -1;
  at = strchr(at + strlen(key), ':');
  if (!at) return -1;
  char *end;
  long value = strtol(at + 1, &end, 10);
  if (after) *after = end;
  return end == at + 1 ? -1 : value;
}

static int fail(long item, const char *why) {
  fprintf(stderr, "item %ld: %s\n", item, why);
  return 1;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  long item = 0;
  while (getline(&line, &cap, stdin) > 0) {
    long w = field(line, "\"width\"", NULL), h = field(line, "\"height\"", NULL);
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384) return fail(item, "width and height must be whole numbers from 1 to 16384");
    const char *p = strstr(line, "\"pixels\"");
    p = p ? strchr(p, '[') : NULL;
    if (!p) return fail(item, "no pixels array");
    unsigned char *in = malloc((size_t)w * h), *out = malloc((size_t)w * h);
    if (!in || !out) return fail(item, "image too large for memory");
    p++;
    for (long k = 0; k < w * h; k++) {
      char *end;
      long v = strtol(p, &end, 10);
      if (end == p || v < 0 || v > 255) return fail(item, "pixels must be w*h whole numbers from 0 to 255");
      in[k] = (unsigned char)v;
      p = end;
      while (*p == ' ' || *p == ',') p++;
    }
    if (*p != ']') return fail(item, "pixels has more than width*height values");
    for (long y = 0; y < h; y++) {
      for (long x = 0; x < w; x++) {
        int sum = 0, n = 0;
        for (long dy = -1; dy <= 1; dy++) {
          for (long dx = -1; dx <= 1; dx++) {
            long yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            sum += in[yy * w + xx];
            n++;
          }
        }
        out[y * w + x] = (unsigned char)((2 * sum + n) / (2 * n));
      }
    }
    printf("{\"width\":%ld,\"height\":%ld,\"pixels\":[", w, h);
    for (long k = 0; k < w * h; k++) printf(k ? ",%d" : "%d", out[k]);
    printf("]}\n");
    free(in);
    free(out);
    item++;
  }
  free(line);
  return 0;
}
