"""The Python side of bench/client-python.ts: times Executor.map and session rounds
from Python against MEDUSA_URL / MEDUSA_API_KEY and prints one JSON line."""

import json
import sys
import time

import medusa


def double(x):
    return 2 * x


STEP = """
def setup(items):
    return items

def step(state, params):
    return len(state) * params["k"]
"""


def main():
    items, chunk, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    client = medusa.Client()
    with medusa.Executor(client, chunksize=chunk) as ex:
        # A first job loads the program into runners; the timed one finds them warm, as the TS side's does.
        list(ex.map(double, range(chunk)))
        started = time.perf_counter()
        got = list(ex.map(double, range(items)))
        map_s = time.perf_counter() - started
        job_id = client.jobs(limit=1)[0]["id"]
    assert got == [2 * x for x in range(items)]
    latencies, server = [], []
    with client.session(STEP, list(range(40)), partitions=4, timeout_ms=300_000) as s:
        s.round({"k": 0})  # the first round waits for setup
        for r in range(rounds):
            t = time.perf_counter()
            s.round({"k": r})
            latencies.append((time.perf_counter() - t) * 1000)
            server.append(s.last_ms)
    print(json.dumps({"jobId": job_id, "mapSeconds": map_s, "roundMs": latencies, "serverMs": server}))


main()
