"""Scenarios the bun tests run with the machine's python3 against a live gateway
(MEDUSA_URL, MEDUSA_API_KEY): `python3 scenarios.py NAME`. Each asserts what it
can see from Python and prints one JSON line for the test to check further."""

import concurrent.futures as cf
import hashlib
import json
import math
import os
import sys
import tempfile
import threading
import time
import _thread

import medusa

OFFSET = 7


def shifted(x):
    return x + OFFSET


def square(x):
    return shifted(x) * shifted(x) - math.floor(0.5)


def fragile(x):
    if x == 317:
        return 1 / 0
    return x * 2


def slow(millions):
    total = 0
    for i in range(millions * 1_000_000):
        total += i
    return total


def out(**fields):
    print(json.dumps(fields), flush=True)


def map_squares():
    client = medusa.Client()
    with medusa.Executor(client, chunksize=250) as ex:
        got = list(ex.map(square, range(10_000), progress=True))
    assert got == list(map(square, range(10_000))), "Executor.map differs from the built-in map"
    with medusa.Executor(client) as ex:
        assert list(ex.map(pow, [2, 3, 4], [5, 2, 1])) == [32, 9, 4]
    out(count=len(got), last=got[-1])


def job_error():
    ex = medusa.Executor(medusa.Client(), chunksize=100)
    seen = []
    try:
        for r in ex.map(fragile, range(1000)):
            seen.append(r)
        raise AssertionError("no JobError")
    except medusa.JobError as e:
        # What came first is an in-order prefix that stops before the failing chunk (later chunks may not have run).
        assert seen == [x * 2 for x in range(len(seen))] and len(seen) <= 300, f"results before the error: {len(seen)}"
        out(type=e.type, message=e.message, index=e.index, item=e.item, chunk=e.chunk, job=e.job_id, text=str(e))


def as_completed():
    with medusa.Executor(medusa.Client()) as ex:
        futures = {ex.submit(square, i): i for i in range(20)}
        got = {}
        for f in cf.as_completed(futures, timeout=360):
            got[futures[f]] = f.result()
    with medusa.Executor(medusa.Client()) as ex:
        failing, keywords = ex.submit(fragile, 317), ex.submit(shifted, x=1)
        done, not_done = cf.wait([failing, keywords], timeout=300)
    assert got == {i: square(i) for i in range(20)}
    assert not not_done
    error = failing.exception()
    out(count=len(got), error=[type(error).__name__, error.type, error.index, error.item], kw=keywords.result())


def _wait_refund(client, before):
    for _ in range(600):
        credits = client.me()["credits"]
        if credits["held"] == 0:
            return credits
        time.sleep(0.1)
    raise AssertionError(f"credits still held: {credits}")


def cancel():
    client = medusa.Client()
    before = client.me()["credits"]
    assert before["held"] == 0, before
    ex = medusa.Executor(client, chunksize=1)
    future = ex.submit(slow, 40)
    time.sleep(0.5)
    assert future.cancel() and future.cancelled()
    after_cancel = _wait_refund(client, before)
    state = client.job(future.job_id)["state"]

    # Ctrl-C while map waits: the job is cancelled and refunded too.
    timer = threading.Timer(1.5, _thread.interrupt_main)
    timer.start()
    try:
        list(ex.map(slow, [3] * 200))
        raise AssertionError("no KeyboardInterrupt")
    except KeyboardInterrupt:
        pass
    after_interrupt = _wait_refund(client, before)
    interrupted = client.job(client.jobs(limit=1)[0]["id"])
    out(submitState=state, before=before, afterCancel=after_cancel, interrupted=interrupted, afterInterrupt=after_interrupt)


def kmeans_points(n, seed=42):
    s = seed
    points = []
    for i in range(n):
        c = i % 8
        s = (1664525 * s + 1013904223) % 4294967296
        u1 = s / 4294967296
        s = (1664525 * s + 1013904223) % 4294967296
        u2 = s / 4294967296
        points.append([10 * (c % 4) + 6 * u1 - 3, 10 * (c // 4) + 6 * u2 - 3])
    return points


def kmeans():
    points = kmeans_points(int(sys.argv[2]))
    partitions, rounds = int(sys.argv[3]), int(sys.argv[4])
    source = open(sys.argv[5]).read()
    k = 8
    stride = len(points) // k
    centroids = [points[j * stride + j] for j in range(k)]
    losses = []
    # Generous: on a loaded machine a fresh runner (Pyodide) takes a while to load.
    with medusa.Client().session(source, points, partitions=partitions, timeout_ms=300_000) as s:
        for _ in range(rounds):
            partials = s.round({"centroids": centroids})
            sx, sy, cnt, sse = [0.0] * k, [0.0] * k, [0] * k, 0.0
            for p in partials:
                for j in range(k):
                    sx[j] += p[0][j]
                    sy[j] += p[1][j]
                    cnt[j] += p[2][j]
                sse += p[3]
            centroids = [[sx[j] / cnt[j], sy[j] / cnt[j]] if cnt[j] else centroids[j] for j in range(k)]
            losses.append(f"{sse / len(points):.6f}")
    out(losses=losses)


def bad_key():
    try:
        medusa.Client(api_key="not-a-key").me()
        raise AssertionError("no ApiError")
    except medusa.ApiError as e:
        out(status=e.status, code=e.code, message=e.message)


def source_errors():
    ex = medusa.Executor(medusa.Client("http://127.0.0.1:9"))
    messages = []
    for fn in (lambda x: x, len.__call__):
        try:
            ex.map(fn, [1])
        except TypeError as e:
            messages.append(str(e))

    def inner(x):
        return x + OFFSET + len(messages)

    try:
        ex.map(inner, [1])
    except TypeError as e:
        messages.append(str(e))
    out(messages=messages, program=medusa._program(square, "f(item)"))


def files():
    client = medusa.Client()
    data = os.urandom(3_000_000)
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        uploaded = client.upload(f.name, "py/upload.bin", progress=True)
    assert uploaded["sha256"] == hashlib.sha256(data).hexdigest(), uploaded
    listed = [x for x in client.files() if x["path"] == "py/upload.bin"]
    out(uploaded=uploaded, listed=listed, me=client.me()["email"], url=client.url)


def run_job():
    client = medusa.Client()
    source = "import time\ndef map(x):\n    if x < 0:\n        raise ValueError('negative')\n    if x == 99:\n        time.sleep(2)\n    return x + 1\n"
    program = {"runtime": "python", "source": source}
    done = client.run({"program": program, "input": {"items": [1, 2, 3]}, "chunkSize": 2}, wait=120)
    assert done["state"] == "done" and done["results"] == [2, 3, 4], done
    failed = client.run({"program": program, "input": {"items": [1, -1]}, "chunkSize": 1, "maxAttempts": 1}, wait=120)
    assert failed["state"] == "failed" and failed["results"][0] == 2 and failed["results"][1]["chunk"] == 1, failed
    started = time.monotonic()
    slow = client.run({"program": program, "input": {"items": [99]}, "chunkSize": 1}, wait=120, submit_wait=0.5)
    waited = time.monotonic() - started
    assert slow["results"] == [100] and waited > 1.5, (slow, waited)
    try:
        client.run({"program": program, "input": {"items": [1]}}, wait=-1)
        raise AssertionError("no ApiError for a negative wait")
    except medusa.ApiError as e:
        assert (e.status, e.field) == (400, "wait"), e
    out(done=done["results"], failed=failed["results"][1]["error"], slow=slow["results"], chunks=done["chunks"])


if __name__ == "__main__":
    globals()[sys.argv[1]]()
