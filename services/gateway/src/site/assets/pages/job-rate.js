// Throughput over the last few seconds, from chunk counts seen live. Counts
// the page already had when it opened are the baseline, so a replay of past
// events in one burst is not mistaken for speed.
const WINDOW_MS = 10_000;

export function rateMeter(now = () => performance.now()) {
  let samples = [];
  return {
    baseline(done) {
      samples = [{ t: now(), done }];
    },
    sample(done) {
      const t = now();
      if (samples.length && done <= samples[samples.length - 1].done) return;
      samples.push({ t, done });
      while (samples.length > 2 && t - samples[1].t > WINDOW_MS) samples.shift();
    },
    /** Chunks per second, or null until something finished live. */
    perSecond() {
      if (samples.length < 2) return null;
      const first = samples[0];
      const last = samples[samples.length - 1];
      const seconds = (now() - first.t) / 1000;
      return seconds > 0 ? (last.done - first.done) / seconds : null;
    },
  };
}
