// The session page's round loop, without the page: "run N rounds" sends one
// round at a time over the session socket (the next only once the last is
// answered, as the API wants), folds each answer into the round driver and
// reports it. Answers are taken from events, not from the send, so a round
// answered after a reconnect is still used: its params are the ones the
// driver last sent. Plain JS, tested by bun (session-rounds.test.js).

/**
 * `send(frame)` returns false when the socket is down (the round goes out
 * after the next `ready`). `on.record({round, value, ms, rtt})` per answered
 * round, `on.note(text, kind)` for what the page should log, `on.idle(run)`
 * when a run ends (`run.reason` says why when it stopped early).
 */
export function roundRunner({ driver, lastRound = 0, send, on, now = () => performance.now() }) {
  let ready = false;
  let final = false;
  let inFlight = null;
  let remaining = 0;
  let run = null;

  function halt(reason) {
    remaining = 0;
    if (!run) return;
    const ended = { ...run, ms: now() - run.started, reason };
    run = null;
    on.idle(ended);
  }

  function next() {
    if (final || !ready || inFlight) return;
    if (remaining <= 0) return halt(undefined);
    const round = lastRound + 1;
    if (!send({ round, params: driver.params() })) return;
    inFlight = { round, sentAt: now() };
    remaining--;
  }

  function skipTo(rounds, why) {
    if (rounds <= lastRound) return;
    on.note(why(lastRound + 1, rounds), "lost");
    lastRound = rounds;
  }

  function answered(e) {
    if (e.round <= lastRound) return;
    skipTo(e.round - 1, (a, b) => `Round${a === b ? ` ${a}` : `s ${a}–${b}`} ran without this page: not charted.`);
    const mine = inFlight?.round === e.round;
    const rtt = mine ? now() - inFlight.sentAt : null;
    if (mine) inFlight = null;
    let value = null;
    let problem;
    try {
      value = driver.absorb(e.partials);
    } catch (err) {
      problem = err.message;
    }
    lastRound = e.round;
    if (run) run.done++;
    on.record({ round: e.round, value, ms: e.ms, rtt });
    if (problem) {
      on.note(`Round ${e.round}: ${problem}`, "error");
      halt(problem);
    } else next();
  }

  return {
    get lastRound() {
      return lastRound;
    },
    get running() {
      return run !== null;
    },
    /** The round waiting for its answer, if any. */
    get waitingFor() {
      return inFlight?.round ?? null;
    },
    run(count) {
      if (run || final) return;
      run = { asked: count, done: 0, started: now() };
      remaining = count;
      next();
    },
    /** No new round after the one in flight. */
    stop() {
      remaining = 0;
      if (!inFlight) halt(undefined);
    },
    /** The socket closed: nothing goes out until the next `ready`. */
    disconnected() {
      ready = false;
    },
    event(e) {
      if (e.type === "ready") {
        ready = true;
        if (inFlight && e.rounds >= inFlight.round) {
          on.note(`Round ${inFlight.round} was answered while the connection was down: its partials are lost, so it is not charted.`, "lost");
          inFlight = null;
          lastRound = e.rounds;
        } else if (!inFlight) skipTo(e.rounds, (a, b) => `Round${a === b ? ` ${a}` : `s ${a}–${b}`} ran without this page: not charted.`);
        next();
      } else if (e.type === "round") answered(e);
      else if (e.type === "replaced") on.note(`Partition ${e.partition} moved to node ${e.nodeId}: its setup runs again there, and a round in flight is retried.`, "replaced");
      else if (e.type === "error") {
        on.note(`${e.round !== undefined ? `Round ${e.round}: ` : ""}${e.message}`, "error");
        if (inFlight && e.round === inFlight.round) {
          inFlight = null;
          halt(e.message);
        }
      } else if (e.type === "ended") {
        final = true;
        inFlight = null;
        on.note(`Session ${e.state}: ${e.reason}`, e.state === "failed" ? "error" : "ended");
        halt(`the session ${e.state}`);
      }
    },
  };
}
