// The worst case a job can cost, as the API prices it (POST /v1/jobs/quote):
// the scheduler computes it once, for this preview and for the escrow it
// holds when the job is submitted, so the page never prices a job itself.

/**
 * Asks for a quote of each form state, at most one request per `delayMs`
 * of quiet typing; only the answer to the newest state is passed on, so a
 * slow answer to an older one never overwrites it.
 * `onQuote(quote, error)` gets the JobQuote, or the ApiError.
 */
export function costQuoter(request, onQuote, { delayMs = 150, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
  let timer;
  let latest = 0;
  return (body) => {
    clearTimer(timer);
    const mine = ++latest;
    timer = setTimer(async () => {
      let quote = null;
      let error = null;
      try {
        quote = await request(body);
      } catch (err) {
        error = err;
      }
      if (mine === latest) onQuote(quote, error);
    }, delayMs);
  };
}
