"""Medusa from Python: hand it a function and an iterable as you would hand
them to ``concurrent.futures``, or drive a session round by round.

    import medusa
    with medusa.Executor(medusa.Client()) as ex:
        squares = list(ex.map(square, range(10_000)))

Standard library only (Python 3.9+): ``pip install ./clients/python``, or
``curl -O http://<gateway>/medusa.py`` beside your script. Functions travel
as source text, never pickled: the nodes run Pyodide's Python, not yours, so
arguments and results are JSON (a tuple comes back a list).
"""
# Long file: the gateway serves this module as one file at GET /medusa.py, so
# that `curl -O` is the whole install; splitting it would break that.

import ast
import concurrent.futures as _cf
import http.client
import inspect
import json
import os
import re
import socket
import sys
import textwrap
import threading
import time
import types
import urllib.parse

__all__ = ["Client", "Executor", "Session", "ApiError", "JobError"]
__version__ = "0.1.0"

DEFAULT_URL = "http://127.0.0.1:8080"
CREDENTIALS = os.path.join("~", ".config", "medusa", "credentials")
FINAL = ("done", "failed", "cancelled")
# How long one results request waits for a job before asking again (the gateway caps it at 300 s).
WAIT_S = 120


class ApiError(Exception):
    """The gateway refused a request: ``status`` (0 when it could not be reached), ``code``, ``message``, ``field``."""

    def __init__(self, status, code, message, field=None, details=None):
        super().__init__(f"{status} {code}: {message}" if status else message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details


class JobError(Exception):
    """A job failed: the program's exception ``type`` and ``message``, the failing item's ``index`` and ``item``, ``chunk``, ``job_id``."""

    def __init__(self, job_id, error, item_at=None):
        self.job_id = job_id
        self.error = error
        self.chunk = self.index = self.item = self.type = None
        self.message = error
        m = re.match(r"chunk (\d+) failed [^:]*: (?:item (\d+): )?(.*)$", error, re.S)
        if m:
            self.chunk = int(m.group(1))
            self.index = int(m.group(2)) if m.group(2) else None
            self.message = m.group(3)
        t = re.match(r"([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)): (.*)$", self.message, re.S)
        if t:
            self.type, self.message = t.group(1), t.group(2)
        if self.index is not None and item_at is not None:
            self.item = item_at(self.index)
        where = f"item {self.index} ({self.item!r})" if self.index is not None else f"chunk {self.chunk}" if self.chunk is not None else "the job"
        super().__init__(f"job {job_id} failed at {where}: {self.type + ': ' if self.type else ''}{self.message}")


def _read_credentials():
    try:
        with open(os.path.expanduser(CREDENTIALS), encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _api_error(status, body, reason):
    try:
        err = json.loads(body)["error"]
        details = err.get("details")
        field = None
        if isinstance(details, dict):
            field = details.get("field")
            issues = details.get("issues")
            if field is None and isinstance(issues, list) and issues and isinstance(issues[0], dict):
                field = issues[0].get("field")
        return ApiError(status, err.get("code", "unknown"), err.get("message", reason), field, details)
    except (ValueError, KeyError, TypeError, AttributeError):
        return ApiError(status, "unknown", (body.decode("utf-8", "replace").strip() if body else "") or reason)


class _Http:
    """Requests over http.client: one keep-alive connection per thread, a fresh one for each stream."""

    def __init__(self, url, api_key, timeout):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not a gateway URL: {url!r} (expected http://host:port)")
        self.url = url
        self.api_key = api_key
        self.timeout = timeout
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self._local = threading.local()

    def connect(self, timeout=None):
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=timeout or self.timeout)

    def headers(self, extra=None):
        h = {"accept": "application/json", "user-agent": f"medusa-python/{__version__}"}
        if self.api_key:
            h["authorization"] = f"Bearer {self.api_key}"
        h.update(extra or {})
        return h

    def open(self, method, path, body=None, headers=None, conn=None, timeout=None):
        """Sends a request and returns (connection, response) with the body unread; raises ApiError for a 4xx/5xx."""
        data = None if body is None else json.dumps(body, allow_nan=False).encode()
        h = self.headers({"content-type": "application/json"} if data is not None else None)
        h.update(headers or {})
        own = conn is None
        for attempt in (0, 1):
            if own:
                conn = self.connect(timeout)
            reused = getattr(conn, "_medusa_used", False)
            try:
                conn.request(method, self._base + path, body=data, headers=h)
                res = conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                conn.close()
                # A kept-alive connection the server had already closed: the request never arrived, so send it again.
                if reused and attempt == 0:
                    conn._medusa_used = False
                    continue
                raise ApiError(0, "unreachable", f"lost the connection to {self.url}: {e}") from None
            except OSError as e:
                conn.close()
                raise ApiError(0, "unreachable", f"cannot reach {self.url}: {e}") from None
        conn._medusa_used = True
        if res.status >= 400:
            raw = res.read()
            if own:
                conn.close()
            raise _api_error(res.status, raw, res.reason)
        return conn, res

    def call(self, method, path, body=None, conn=None):
        """A JSON request on this thread's kept-alive connection (or `conn`); returns the parsed answer."""
        if conn is None:
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = self.connect()
        try:
            _, res = self.open(method, path, body, conn=conn)
            raw = res.read()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise ApiError(0, "unreachable", f"lost the connection to {self.url}: {e}") from None
        return json.loads(raw) if raw else None


class _Bar:
    """A live progress line on stderr: tqdm's when it is importable, a plain one otherwise."""

    def __init__(self, total, label):
        self.total = total
        self.started = time.monotonic()
        self._credits = None
        try:
            from tqdm import tqdm  # noqa: PLC0415 - optional, only when installed

            self._tqdm = tqdm(total=total, desc=label, unit="item", file=sys.stderr)
        except ImportError:
            self._tqdm = None
        self.done = 0
        self.label = label

    def update(self, done, credits=None):
        done = min(done, self.total)
        if credits is not None:
            self._credits = credits
        if self._tqdm is not None:
            self._tqdm.update(done - self.done)
            if self._credits is not None:
                self._tqdm.set_postfix(credits=self._credits)
            self.done = done
            return
        self.done = done
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = done / elapsed
        eta = f"{(self.total - done) / rate:.0f}s" if rate > 0 else "?"
        width = 24
        filled = int(width * done / self.total) if self.total else width
        credits = f"  {self._credits} credits" if self._credits is not None else ""
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}  {rate:,.0f} items/s  ETA {eta}{credits}   ")
        sys.stderr.flush()

    def close(self):
        if self._tqdm is not None:
            self._tqdm.close()
        else:
            sys.stderr.write("\n")
            sys.stderr.flush()


class Client:
    """The API for one account. `url` and `api_key` default to MEDUSA_URL / MEDUSA_API_KEY, then ~/.config/medusa/credentials."""

    def __init__(self, url=None, api_key=None, timeout=60):
        saved = _read_credentials()
        url = url or os.environ.get("MEDUSA_URL") or saved.get("url") or DEFAULT_URL
        url = url.rstrip("/")
        if not api_key:
            api_key = os.environ.get("MEDUSA_API_KEY")
        # The saved key belongs to the saved gateway; sent anywhere else it would only be a 401.
        if not api_key and saved.get("apiKey") and (not saved.get("url") or saved["url"].rstrip("/") == url):
            api_key = saved["apiKey"]
        self.url = url
        self.api_key = api_key
        self._http = _Http(url, api_key, timeout)

    def __repr__(self):
        return f"medusa.Client({self.url!r})"

    def request(self, method, path, body=None):
        """Any API call: `client.request("GET", "/v1/me")`; the answer parsed from JSON."""
        return self._http.call(method, path, body)

    def me(self):
        return self.request("GET", "/v1/me")

    def files(self):
        return self.request("GET", "/v1/files")["files"]

    def jobs(self, limit=100):
        return self.request("GET", f"/v1/jobs?limit={int(limit)}")["jobs"]

    def job(self, job_id):
        return self.request("GET", f"/v1/jobs/{_q(job_id)}")

    def create_job(self, spec):
        """`POST /v1/jobs` with a job spec (see the API docs); returns its status."""
        return self.request("POST", "/v1/jobs", spec)

    def run(self, spec, wait=300, submit_wait=None):
        """
        Submits a job and waits for it to end, in one request for a job that
        ends within the gateway's wait (`POST /v1/jobs?wait=`). Returns its
        status (a dict) with "results" (one per input item, in input order; a
        failed job's with {"error", "chunk"} in place of each chunk that did
        not finish) or a reduce's "reduce". Not ended when the gateway's wait
        runs out (202), it goes on with the results route; past `wait` seconds
        in all, the status alone comes back and the job goes on.
        `submit_wait` holds the submit itself for less (behind a proxy that
        cuts quiet requests sooner).
        """
        deadline = time.monotonic() + wait
        hold = min(wait, wait if submit_wait is None else submit_wait)
        conn, res = self._http.open("POST", f"/v1/jobs?wait={hold:g}", spec, timeout=max(self._http.timeout, hold + 60))
        try:
            ended, run = res.status == 200, json.loads(res.read())
        except (OSError, http.client.HTTPException) as e:
            raise ApiError(0, "unreachable", f"lost the connection to {self.url} while waiting for the job: {e}") from None
        finally:
            conn.close()
        if ended and ("results" in run or "reduce" in run or run["state"] == "cancelled"):
            return run
        job_id = run["id"]
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return run
            try:
                conn, res = self._http.open("GET", f"/v1/jobs/{_q(job_id)}/results?wait={left:.3f}", timeout=max(self._http.timeout, left + 60))
            except ApiError as e:
                if e.status != 409:  # 409: still running when that wait ran out, or cancelled
                    raise
                run = self.job(job_id)
                if run["state"] == "cancelled":
                    return run
                continue
            try:
                reduce = "ndjson" not in (res.getheader("content-type") or "")
                raw = res.read()
            finally:
                conn.close()
            final = self.job(job_id)
            if reduce:
                final["reduce"] = json.loads(raw)
            else:
                final["results"] = [json.loads(line) for line in raw.splitlines() if line.strip()]
            return final

    def cancel(self, job_id):
        """Cancels a job; the credits it has not spent go back to the account."""
        return self.request("POST", f"/v1/jobs/{_q(job_id)}/cancel")

    def upload(self, path, name=None, progress=None):
        """Streams a local file to your files as `name` (default: its base name), with a progress bar on stderr when it is a terminal."""
        name = name or os.path.basename(path)
        size = os.path.getsize(path)
        bar = _Bar(size, f"upload {name}") if (progress if progress is not None else sys.stderr.isatty()) else None
        conn = self._http.connect(max(self._http.timeout, 300))
        try:
            conn.putrequest("PUT", self._http._base + "/v1/files/" + urllib.parse.quote(name))
            for k, v in self._http.headers({"content-type": "application/octet-stream", "content-length": str(size)}).items():
                conn.putheader(k, v)
            conn.endheaders()
            sent = 0
            with open(path, "rb") as f:
                try:
                    while True:
                        block = f.read(1 << 20)
                        if not block:
                            break
                        conn.send(block)
                        sent += len(block)
                        if bar:
                            bar.update(sent)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the gateway refused mid-way (quota, size): its answer says why
            try:
                res = conn.getresponse()
            except (OSError, http.client.HTTPException) as e:
                raise ApiError(0, "unreachable", f"lost the connection to {self.url} after {sent} of {size} bytes: {e}") from None
            raw = res.read()
            if res.status >= 400:
                raise _api_error(res.status, raw, res.reason)
            return json.loads(raw)
        except OSError as e:
            raise ApiError(0, "unreachable", f"cannot reach {self.url}: {e}") from None
        finally:
            conn.close()
            if bar:
                bar.close()

    def events(self, job_id, after=0, timeout=None):
        """A job's events, each once and in order, until its final one; resumes by itself after a dropped connection."""
        last = after
        lost = 0
        while True:
            conn = None
            try:
                headers = {"accept": "text/event-stream"}
                if last:
                    headers["last-event-id"] = str(last)
                conn, res = self._http.open("GET", f"/v1/jobs/{_q(job_id)}/events", headers=headers, timeout=timeout or 60)
                for event in _sse(res):
                    lost = 0
                    last = event["id"]
                    yield event
                    if event["type"] in FINAL:
                        return
            except socket.timeout:
                raise _cf.TimeoutError(f"no event from job {job_id} within {timeout or 60} s") from None
            except (OSError, http.client.HTTPException) as e:
                lost += 1
                if lost > 5:
                    raise ApiError(0, "unreachable", f"lost the event stream of job {job_id}: {e}") from None
                time.sleep(min(0.2 * 2**lost, 5))
                continue
            finally:
                if conn is not None:
                    conn.close()
            # The stream ended with no final event: a job already over sends nothing past `last`.
            if self.job(job_id)["state"] in FINAL:
                return

    def results(self, job_id, wait=0, partial=False, offset=0):
        """
        A job's results, one at a time, in input order, as they stream. `wait`
        (seconds, capped by the gateway) holds the request until the job ends;
        `partial=True` gives the completed prefix, going on as chunks land
        while `wait` lasts, after skipping `offset` items.
        """
        query = urllib.parse.urlencode({"wait": wait, "partial": int(bool(partial)), "offset": offset})
        conn, res = self._http.open("GET", f"/v1/jobs/{_q(job_id)}/results?{query}", timeout=max(self._http.timeout, wait + 60))
        try:
            if "ndjson" not in (res.getheader("content-type") or ""):
                yield json.loads(res.read())
                return
            while True:
                line = res.readline()
                if not line:
                    return
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()

    def session(self, program, input, partitions=20, **options):
        """Starts a session: `program` is source text (or a module) defining setup(items) and step(state, params)."""
        if isinstance(program, types.ModuleType):
            program = inspect.getsource(program)
        spec = {"program": {"runtime": "python", "source": textwrap.dedent(program)}, "input": _input(input), "partitions": partitions}
        spec.update({_camel(k): v for k, v in options.items()})
        return Session(self, self.request("POST", "/v1/sessions", spec))


def _q(part):
    return urllib.parse.quote(str(part), safe="")


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


def _input(value):
    if isinstance(value, range) and value.step == 1:
        return {"range": {"start": value.start, "stop": value.stop}}
    if isinstance(value, dict):
        return value
    return {"items": list(value)}


def _sse(res):
    """Parsed `data:` events of a text/event-stream response (comments and `retry:` skipped)."""
    data = []
    while True:
        line = res.readline()
        if not line:
            return
        line = line.rstrip(b"\r\n")
        if not line:
            if data:
                yield json.loads(b"\n".join(data))
                data = []
        elif line.startswith(b"data:"):
            data.append(line[5:].lstrip(b" "))


class Session:
    """A session's rounds over one kept-alive connection: `s.round(params)` → the partials in partition order."""

    def __init__(self, client, status):
        self.client = client
        self.id = status["id"]
        self.partitions = status["partitions"]
        self.rounds_done = status["rounds"]
        self.last_ms = None
        self._conn = client._http.connect(max(client._http.timeout, 600))

    def round(self, params):
        n = self.rounds_done + 1
        try:
            answer = self.client._http.call("POST", f"/v1/sessions/{_q(self.id)}/rounds", {"round": n, "params": params}, conn=self._conn)
        except BaseException:
            # Interrupted or refused mid-request: the connection's state is unknown, so start a new one next time.
            self._conn.close()
            raise
        self.rounds_done = answer["round"]
        self.last_ms = answer["ms"]
        return answer["partials"]

    def rounds(self, params_iter):
        """One round per params, yielding each round's partials as it completes; `params_iter` may depend on them."""
        for params in params_iter:
            yield self.round(params)

    def status(self):
        return self.client.request("GET", f"/v1/sessions/{_q(self.id)}")

    def close(self):
        """Ends the session; the credits not spent go back to the account."""
        try:
            return self.client._http.call("DELETE", f"/v1/sessions/{_q(self.id)}", conn=self._conn)
        finally:
            self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- Sending a function as source --------------------------------------------------------


def _source_of(obj, what):
    try:
        src = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        raise TypeError(f"cannot find the source of {what}: medusa sends functions as source text, so define it with def at module level in a file or notebook cell") from None
    if not isinstance(obj, type):
        # Decorators are left behind: they would run on the node against names it may not have.
        node = next(n for n in ast.parse(src).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        src = "\n".join(src.splitlines()[node.lineno - 1 :]) + "\n"
    return src


def _names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _plain(value):
    try:
        return json.loads(json.dumps(value)) == value and repr(value)
    except (TypeError, ValueError):
        return False


def _program(fn, call):
    """The source the node runs: `fn` and the module-level names it uses, wrapped into the `map(item)` entry."""
    if isinstance(fn, types.BuiltinFunctionType) and getattr(fn, "__module__", None) == "builtins":
        return f"__medusa_fn = {fn.__name__}\n" + _ENTRY.format(call=call)
    if not isinstance(fn, types.FunctionType):
        raise TypeError(f"medusa runs plain functions defined with def, not {type(fn).__name__} objects")
    if fn.__name__ == "<lambda>":
        raise TypeError("medusa cannot send a lambda (its source cannot be cut out of the line it sits on): define the function with def at module level")
    if fn.__code__.co_freevars:
        raise TypeError(f"{fn.__name__} uses variables of the function it is defined in ({', '.join(fn.__code__.co_freevars)}): define it at module level and pass them as arguments")
    imports, constants, defs, seen = [], [], [], set()

    def collect(f):
        for name in sorted(_names(f.__code__)):
            if name in seen or name not in f.__globals__:
                continue
            seen.add(name)
            value = f.__globals__[name]
            if isinstance(value, types.ModuleType):
                imports.append(f"import {value.__name__}" + (f" as {name}" if value.__name__ != name else ""))
            elif getattr(value, "__module__", None) == f.__module__ and isinstance(value, (types.FunctionType, type)):
                if isinstance(value, types.FunctionType):
                    collect(value)
                defs.append(_source_of(value, name))
            elif getattr(value, "__module__", None) and getattr(sys.modules.get(value.__module__), name, None) is value:
                imports.append(f"from {value.__module__} import {name}")
            elif _plain(value):
                constants.append(f"{name} = {value!r}")

    seen.add(fn.__name__)
    collect(fn)
    parts = imports + constants + defs + [_source_of(fn, fn.__name__), f"__medusa_fn = {fn.__name__}"]
    return "\n".join(parts) + "\n" + _ENTRY.format(call=call)


# The node calls map(item); a user's own calls to the built-in map (two or more arguments) still reach it.
_ENTRY = """
import builtins as __medusa_builtins

def map(*args):
    if len(args) != 1:
        return __medusa_builtins.map(*args)
    item = args[0]
    return {call}
"""
_CALLS = {"one": "__medusa_fn(item)", "star": "__medusa_fn(*item)", "call": "__medusa_fn(*item[0], **item[1])"}


# --- The executor ------------------------------------------------------------------------


class _JobFuture(_cf.Future):
    """A Future for one job: `cancel()` cancels the job too (its unspent credits are refunded) until the result is in."""

    def __init__(self, client, job_id, args):
        super().__init__()
        self.job_id = job_id
        self.args = args
        self._client = client
        self._settle = threading.Lock()

    def cancel(self):
        with self._settle:
            if not super().cancel():
                return False
            if self.set_running_or_notify_cancel():  # pragma: no cover - cancel() left it CANCELLED
                raise RuntimeError("a cancelled future started running")
        _cancel_quietly(self._client, self.job_id)
        return True

    def _finish(self, result=None, error=None):
        with self._settle:
            if self.cancelled() or not self.set_running_or_notify_cancel():
                return
            if error is not None:
                self.set_exception(error)
            else:
                self.set_result(result)


def _cancel_quietly(client, job_id):
    try:
        client.cancel(job_id)
    except ApiError as e:
        if e.status != 409:  # 409: it finished first, and there is nothing left to refund
            raise


class Executor(_cf.Executor):
    """
    concurrent.futures on Medusa: `map` is one job whose results come back in
    input order; `submit` is a job of one call. `chunksize` items go to a node
    at a time; `replicas` nodes run each chunk; `max_credits` caps what a job
    may cost; `timeout` is how long one chunk may run on a node, in seconds.
    """

    def __init__(self, client=None, chunksize=100, replicas=1, max_credits=None, timeout=None, max_attempts=None, packages=None, name=None):
        self._client = client if client is not None else Client()
        self._chunksize = chunksize
        self._spec = {"replicas": replicas}
        for key, value in (("maxCredits", max_credits), ("maxAttempts", max_attempts), ("packages", packages)):
            if value is not None:
                self._spec[key] = value
        if timeout is not None:
            self._spec["timeoutMs"] = int(timeout * 1000)
        self._name = name
        self._lock = threading.Lock()
        self._pending = set()
        self._threads = []
        self._shutdown = False

    def _submit_job(self, fn, call, items, chunksize):
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new work after shutdown")
        spec = dict(self._spec, name=self._name or getattr(fn, "__name__", "map"), chunkSize=chunksize or self._chunksize)
        spec["program"] = {"runtime": "python", "source": _program(fn, _CALLS[call])}
        spec["input"] = {"items": items}
        return self._client.create_job(spec)

    def submit(self, fn, /, *args, **kwargs):
        """Runs fn(*args, **kwargs) on a node as a job of one item; the Future's cancel() cancels the job."""
        job = self._submit_job(fn, "call", [[list(args), kwargs]], 1)
        future = _JobFuture(self._client, job["id"], args)
        thread = threading.Thread(target=self._watch, args=(future,), name=f"medusa-{job['id']}", daemon=True)
        with self._lock:
            self._pending.add(future)
            self._threads.append(thread)
        thread.start()
        return future

    def _watch(self, future):
        client = self._client
        try:
            while True:
                try:
                    results = list(client.results(future.job_id, wait=WAIT_S))
                except ApiError as e:
                    if e.status != 409:
                        raise
                status = client.job(future.job_id)
                if status["state"] in FINAL:
                    break
            if status["state"] == "done":
                future._finish(result=results[0])
            elif status["state"] == "failed":
                future._finish(error=JobError(future.job_id, status.get("error", "job failed"), lambda _: future.args))
            else:
                with future._settle:
                    if not future.cancelled() and super(_JobFuture, future).cancel():
                        future.set_running_or_notify_cancel()
        except BaseException as e:  # noqa: BLE001 - the future carries whatever stopped the watch
            future._finish(error=e)
        finally:
            with self._lock:
                self._pending.discard(future)

    def map(self, fn, *iterables, timeout=None, chunksize=None, progress=False):
        """fn over the items of the iterables, as one job; results lazily in input order, the first error raised where it stands."""
        if not iterables:
            raise TypeError("map() needs at least one iterable")
        items = [list(t) for t in zip(*iterables)] if len(iterables) > 1 else list(iterables[0])
        if not items:
            return iter(())
        deadline = None if timeout is None else time.monotonic() + timeout
        job = self._submit_job(fn, "star" if len(iterables) > 1 else "one", items, chunksize)
        with self._lock:
            self._pending.add(job["id"])
        return self._results(job, items, deadline, progress)

    def _results(self, job, items, deadline, progress):
        """Each chunk's results as soon as it and every chunk before it are done (`?partial=1`), asking again when a wait runs out."""
        client, job_id = self._client, job["id"]
        over = False
        if progress:
            threading.Thread(target=_wait, args=(client, job_id, None, _Bar(len(items), job["name"]), len(items)), daemon=True).start()
        try:
            got = 0
            while got < len(items):
                wait = WAIT_S if deadline is None else max(0, min(WAIT_S, deadline - time.monotonic()))
                # A job that stopped short ends the answer with {"error", "chunk"}; a result of that shape is held until the next line shows it was a result.
                held = None
                for result in client.results(job_id, wait=wait, partial=True, offset=got):
                    if held is not None:
                        got += 1
                        yield held
                        held = None
                    if isinstance(result, dict) and set(result) == {"error", "chunk"}:
                        held = result
                    else:
                        got += 1
                        yield result
                if held is not None:
                    status = client.job(job_id)
                    if status["state"] in ("failed", "cancelled"):
                        over = True
                        if status["state"] == "cancelled":
                            raise _cf.CancelledError(f"job {job_id} was cancelled")
                        raise JobError(job_id, status.get("error", held["error"]), items.__getitem__)
                    got += 1
                    yield held
                if got < len(items) and deadline is not None and time.monotonic() >= deadline:
                    raise _cf.TimeoutError(f"job {job_id} did not finish in time: {got} of {len(items)} results")
            over = True
        finally:
            with self._lock:
                self._pending.discard(job_id)
            # Interrupted (Ctrl-C, a timeout, a loop left early): the job stops and its unspent credits come back.
            if not over:
                _cancel_quietly(client, job_id)

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            self._shutdown = True
            pending = list(self._pending)
            threads = list(self._threads)
        if cancel_futures:
            for p in pending:
                if isinstance(p, _JobFuture):
                    p.cancel()
                else:
                    _cancel_quietly(self._client, p)
        if wait:
            for t in threads:
                t.join()


def _wait(client, job_id, deadline=None, bar=None, items=0):
    """Follows a job's events to its final one (the progress bar fed on the way); raises TimeoutError at `deadline`."""
    last_status = 0.0
    last = 0
    try:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise _cf.TimeoutError(f"job {job_id} did not finish in time")
            try:
                for event in client.events(job_id, after=last, timeout=None if remaining is None else max(min(remaining, 60), 0.05)):
                    last = event["id"]
                    if bar is not None and "chunks" in event:
                        chunks = event["chunks"]
                        credits = None
                        if time.monotonic() - last_status > 1 or event["type"] in FINAL:
                            last_status = time.monotonic()
                            credits = client.job(job_id)["credits"]["spent"]
                        per_chunk = items / chunks["total"] if chunks["total"] else 0
                        bar.update(int(chunks["done"] * per_chunk), credits)
                    if event["type"] in FINAL:
                        return event
                    if deadline is not None and time.monotonic() > deadline:
                        raise _cf.TimeoutError(f"job {job_id} did not finish in time")
            except _cf.TimeoutError:
                if deadline is None:
                    continue
                raise
            status = client.job(job_id)
            if status["state"] in FINAL:
                return {"type": status["state"], "error": status.get("error", ""), "chunks": status["chunks"]}
    finally:
        if bar is not None:
            bar.close()
