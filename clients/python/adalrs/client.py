"""A client for every route of the adalrs service: standard library only, one keep-alive
connection, errors as exceptions carrying the service's JSON, retries where they are safe."""

import http.client
import json
import socket
import threading
import time
import urllib.parse

from .errors import ServiceUnavailable, TransportError, error_for

# A broken or refused connection; a keep-alive connection the service closed while idle shows
# up as RemoteDisconnected or a reset on the next request.
_CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)


class Client:
    """The adalrs HTTP API.

    Args:
        url: the service, e.g. ``http://127.0.0.1:8000``.
        token: sent as ``Authorization: Bearer <token>`` (needed for writes when the service
            runs with ``ADALRS_TOKEN``).
        timeout: seconds to wait for each answer.
        retries: how many times a request is retried after a broken connection or a 503. Reads
            and posts with an idempotency key are retried; a create only with a key of its own.
        backoff: seconds before the first retry; doubled for each next one (a 503's
            ``Retry-After`` wins when longer).

    Every method returns the decoded JSON answer (see ``adalrs.models`` for its shape) or
    raises an ``ApiError`` subclass (``BadRequest``, ``NotFound``, ``Conflict``, ...) that
    carries the service's JSON, or ``TransportError`` when the service cannot be reached.
    """

    def __init__(self, url="http://127.0.0.1:8000", token=None, timeout=30.0, retries=5,
                 backoff=0.2):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"url must be http(s)://host[:port], got {url!r}")
        self.url = url.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._conn = None
        self._lock = threading.Lock()
        #: How many connections were opened: one for many requests while keep-alive holds.
        self.connections_opened = 0

    # Runs

    def create_run(self, definition, idempotency_key=None):
        """``POST /v1/runs``: a run from a definition; returns the new run (``CreatedRun``).

        An external run's answer also carries ``nextStep``, ``lrs`` and ``windowEndsAt``.
        With ``idempotency_key`` the create is retried after a broken connection.
        """
        return self._call("POST", "/v1/runs", body=definition, key=idempotency_key,
                          retry_writes=idempotency_key is not None)

    def list_runs(self, limit=None):
        """``GET /v1/runs``: the newest runs first (a list of ``RunView``)."""
        return self._call("GET", "/v1/runs", query={"limit": limit})["runs"]

    def get_run(self, run_id):
        """``GET /v1/runs/{id}``: one run's view."""
        return self._call("GET", f"/v1/runs/{_quote(run_id)}")

    def cancel_run(self, run_id, reason=None):
        """``POST /v1/runs/{id}/cancel``; a 409 ``Conflict`` if the run already ended."""
        body = {} if reason is None else {"reason": reason}
        return self._call("POST", f"/v1/runs/{_quote(run_id)}/cancel", body=body)

    # Events and decisions

    def events(self, run_id, after=-1, limit=100):
        """``GET /v1/runs/{id}/events``: one page (``{events, next}``)."""
        return self._call("GET", f"/v1/runs/{_quote(run_id)}/events",
                          query={"after": after, "limit": limit})

    def iter_events(self, run_id, after=-1, page=500):
        """Every event after ``after``, page by page."""
        while True:
            answer = self.events(run_id, after=after, limit=page)
            yield from answer["events"]
            if answer["next"] is None:
                return
            after = answer["next"]

    def stream_events(self, run_id, after=-1, last_event_id=None):
        """``GET /v1/runs/{id}/events/stream``: events as they are appended (server-sent
        events), until the run ends. Uses a connection of its own."""
        path = self._path(f"/v1/runs/{_quote(run_id)}/events/stream", {"after": after})
        headers = {"accept": "text/event-stream"}
        if last_event_id is not None:
            headers["last-event-id"] = str(last_event_id)
        conn = self._connect()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                raise error_for(response.status, _decode(response.read()))
            data = []
            for raw in response:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line == "" and data:
                    yield json.loads("\n".join(data))
                    data = []
        finally:
            conn.close()

    def decisions(self, run_id):
        """``GET /v1/runs/{id}/decisions``: every LR decision with its evidence."""
        return self._call("GET", f"/v1/runs/{_quote(run_id)}/decisions")["decisions"]

    def replay(self, run_id, adalrs=None):
        """``POST /v1/runs/{id}/replay``: re-derive every decision (``identical``,
        ``different``); with ``adalrs`` overrides, a what-if."""
        body = {} if adalrs is None else {"adalrs": adalrs}
        return self._call("POST", f"/v1/runs/{_quote(run_id)}/replay", body=body,
                          retry_writes=True)

    def curves(self, run_id, max_points=None):
        """``GET /v1/runs/{id}/curves``: loss, validation loss and LR, downsampled."""
        return self._call("GET", f"/v1/runs/{_quote(run_id)}/curves", query={"max": max_points})

    # External trainers

    def post_losses(self, run_id, from_step, losses, idempotency_key=None, val_loss=None,
                    ref_losses=None):
        """``POST /v1/runs/{id}/losses``: consecutive losses from ``from_step``; returns what
        to do next (``LossesAnswer``).

        ``losses`` may hold NaN and infinities. ``val_loss`` is a validation loss measured after
        the last of these steps. ``ref_losses``, one finite number per loss, are a fixed
        reference model's losses on the same batches, which a run with ``controlVariate`` fits
        each window against. The post always carries an idempotency key (by default
        ``losses-<from_step>``), so a retry after a lost answer lands once and gets the same
        answer. A step gap or overlap raises ``Conflict`` with ``expected_step``.
        """
        body = {"fromStep": from_step, "losses": [_loss(x) for x in losses]}
        if val_loss is not None:
            body["valLoss"] = _loss(val_loss)
        if ref_losses is not None:
            body["refLosses"] = [float(x) for x in ref_losses]
        key = idempotency_key if idempotency_key is not None else f"losses-{from_step}"
        return self._call("POST", f"/v1/runs/{_quote(run_id)}/losses", body=body, key=key,
                          retry_writes=True)

    # The service

    def health(self):
        """``GET /health``."""
        return self._call("GET", "/health")

    def openapi(self):
        """``GET /openapi.json``: the contract."""
        return self._call("GET", "/openapi.json")

    def examples(self):
        """``GET /v1/examples``: the service's example run definitions."""
        return self._call("GET", "/v1/examples")["examples"]

    def close(self):
        """Closes the keep-alive connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Plumbing

    def _call(self, method, path, body=None, query=None, key=None, retry_writes=False):
        headers = {"accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        if key is not None:
            headers["idempotency-key"] = key
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        retry = method == "GET" or retry_writes
        target = self._path(path, query)
        delay = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                status, data, retry_after = self._send(method, target, payload, headers)
            except _CONNECTION_ERRORS as err:
                if not retry or last:
                    raise TransportError(f"{method} {self.url}{target}: {err}") from err
                time.sleep(delay)
                delay *= 2
                continue
            if status < 400:
                return data
            error = error_for(status, data)
            # A 503 wrote nothing: any request may be retried after it.
            if isinstance(error, ServiceUnavailable) and not last:
                time.sleep(max(delay, retry_after or 0))
                delay *= 2
                continue
            raise error
        raise AssertionError("unreachable")

    def _send(self, method, target, payload, headers):
        with self._lock:
            if self._conn is None:
                self._conn = self._connect()
            try:
                self._conn.request(method, target, body=payload, headers=headers)
                response = self._conn.getresponse()
                raw = response.read()
            except BaseException:
                self._conn.close()
                self._conn = None
                raise
            if response.getheader("connection", "").lower() == "close":
                self._conn.close()
                self._conn = None
        retry_after = response.getheader("retry-after")
        return (response.status, _decode(raw),
                float(retry_after) if retry_after and retry_after.isdigit() else None)

    def _connect(self):
        self.connections_opened += 1
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self.timeout)

    def _path(self, path, query=None):
        params = {k: v for k, v in (query or {}).items() if v is not None}
        suffix = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self._prefix}{path}{suffix}"


def _quote(run_id):
    return urllib.parse.quote(str(run_id), safe="")


def _loss(x):
    """A loss as JSON carries it: tensors and numpy scalars become floats; NaN and infinities
    are written as Python's json writes them, which the service reads."""
    return float(x.item() if hasattr(x, "item") else x)


def _decode(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"error": {"message": raw[:500].decode("utf-8", "replace")}}


__all__ = ["Client"]
