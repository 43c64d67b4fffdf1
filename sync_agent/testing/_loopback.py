"""A real HTTP supplier portal on 127.0.0.1, for tests and the benchmark.

It behaves like the portal contract the agent expects (see
:mod:`sync_agent.delivery.portal`): documents are POSTed with an ``Idempotency-Key``
and take effect once per key (a repeated key replays the first response; a
repeated key with a different body is refused with 422, as payment APIs do);
answers are paged with a cursor. Faults (status codes, ``Retry-After``,
slowness) can be injected per request. With ``conflict_in_flight`` it answers
a key that is still being processed with 409 Conflict, as the IETF
Idempotency-Key draft asks (off by default: a portal that waits and replays
instead is just as valid). It only ever binds to 127.0.0.1.

Run it on its own (the benchmark does, to keep it off the agent's GIL)::

    python -m sync_agent.testing._loopback [--token TOKEN] [--no-record]

It prints ``PORT <n>`` on stdout and serves until stdin is closed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Fault", "LoopbackPortal", "RecordedRequest", "main"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the portal received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Fault:
    """An injected behaviour for the next matching request.

    ``status`` None with a ``delay`` makes the request slow but successful.
    ``echo`` makes the error message repeat every request header and the
    portal's token, as careless partners do: nothing of it may reach Odoo.
    """

    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    body: dict[str, Any] | None = None
    method: str | None = None
    echo: bool = False


class LoopbackPortal:
    """Threaded HTTP/1.1 portal server; use as a context manager."""

    def __init__(
        self,
        *,
        token: str | None = None,
        auth: str = "bearer",
        api_key_header: str = "X-API-Key",
        answers_path: str = "/api/v1/answers",
        record: bool = True,
        conflict_in_flight: bool = False,
        conflict_retry_after: str | None = None,
        port: int = 0,
    ) -> None:
        #: Loopback port to bind; 0 lets the system pick a free one (see :attr:`base_url`).
        self.port = port
        self.token, self.auth, self.api_key_header = token, auth, api_key_header
        self.answers_path, self.record = answers_path, record
        #: Answer 409 (with this ``Retry-After``, if any) to a POST whose
        #: Idempotency-Key an earlier, unfinished request holds.
        self.conflict_in_flight, self.conflict_retry_after = conflict_in_flight, conflict_retry_after
        self.conflicts = 0  # 409s answered for keys in flight
        self._in_flight: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.effects: dict[str, Any] = {}  # idempotency key -> applied document
        self.answers: list[dict[str, Any]] = []
        self.request_count = 0
        self._faults: deque[Fault] = deque()
        self._responses: dict[str, tuple[int, dict[str, Any], str]] = {}  # key -> (status, body, digest)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("portal not started")
        return f"http://{HOST}:{self._server.server_address[1]}"

    def inject(self, fault: Fault, times: int = 1) -> None:
        """Apply ``fault`` to the next ``times`` matching requests, in order."""
        with self._lock:
            self._faults.extend([fault] * times)

    def clear_faults(self) -> None:
        """Drop the faults not yet applied (the outage is over)."""
        with self._lock:
            self._faults.clear()

    def add_answer(self, answer: dict[str, Any]) -> None:
        with self._lock:
            self.answers.append(answer)

    def posts(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> Self:
        self._server = ThreadingHTTPServer((HOST, self.port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="loopback-portal",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (called from server threads) -----------------------
    def _next_fault(self, method: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.method in (None, method):
                    del self._faults[index]
                    return fault
        return None

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.token is None:
            return True
        if self.auth == "bearer":
            return headers.get("authorization") == f"Bearer {self.token}"
        return headers.get(self.api_key_header.lower()) == self.token

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict, dict]:
        """Return (status, extra headers, JSON body) for one request."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        with self._lock:
            self.request_count += 1
            if self.record:
                self.requests.append(RecordedRequest(method, parts.path, query, headers, body))
        key = headers.get("idempotency-key") if method == "POST" and self.conflict_in_flight else None
        if key:
            with self._lock:
                if key in self._in_flight:
                    self.conflicts += 1
                    extra = {"Retry-After": self.conflict_retry_after} if self.conflict_retry_after else {}
                    return 409, extra, {"message": "a request with this Idempotency-Key is still in progress"}
                self._in_flight.add(key)
            try:
                return self._respond(method, parts.path, query, headers, body)
            finally:
                with self._lock:
                    self._in_flight.discard(key)
        return self._respond(method, parts.path, query, headers, body)

    def _respond(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict, dict]:
        fault = self._next_fault(method)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                if fault.echo:
                    message = (
                        f"injected {fault.status}; you sent {json.dumps(headers)}; "
                        f"the expected token is {self.token}"
                    )
                    return fault.status, extra, {"message": message, "headers": headers}
                return fault.status, extra, fault.body or {"message": f"injected {fault.status}"}
        if path == "/__stats":
            with self._lock:
                return 200, {}, {"requests": self.request_count, "effects": len(self.effects)}
        if not self._authorised(headers):
            return 401, {}, {"message": "invalid or missing credentials"}
        if method == "GET" and path == self.answers_path:
            return self._answers(query)
        if method == "POST":
            return self._post(path, headers, body)
        return 404, {}, {"message": f"no route {method} {path}"}

    def _answers(self, query: dict[str, list[str]]) -> tuple[int, dict, dict]:
        try:
            start = int(query.get("cursor", ["0"])[0] or 0)
            limit = int(query.get("limit", ["100"])[0])
        except ValueError:
            return 400, {}, {"message": "cursor and limit must be integers"}
        with self._lock:
            page = self.answers[start : start + limit]
            more = start + len(page) < len(self.answers)
        return 200, {}, {"answers": page, "next_cursor": str(start + len(page)), "has_more": more}

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, dict]:
        key = headers.get("idempotency-key")
        if not key:
            return 400, {}, {"message": "Idempotency-Key header is required"}
        try:
            document = json.loads(body)
        except ValueError:
            return 400, {}, {"message": "body is not JSON"}
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            if key in self._responses:
                status, answer, first_digest = self._responses[key]
                if first_digest != digest:
                    return 422, {}, {"message": "Idempotency-Key reused with a different body"}
                return status, {"Idempotent-Replayed": "true"}, answer
            self.effects[key] = document
            answer = {"id": f"R-{len(self.effects):06d}", "path": path}
            self._responses[key] = (201, answer, digest)
        return 201, {}, answer


def _make_handler(portal: LoopbackPortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real portal behind a proxy
        disable_nagle_algorithm = True  # else small responses wait 40 ms for a delayed ACK

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, answer = portal.handle(self.command, self.path, headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and the benchmark assert on recorded requests instead

    return Handler


def main(argv: list[str] | None = None) -> int:
    """Serve until stdin closes; prints ``PORT <n>`` first."""
    parser = argparse.ArgumentParser(prog="python -m sync_agent.testing._loopback")
    parser.add_argument("--token", default=None)
    parser.add_argument("--no-record", action="store_true", help="do not keep request bodies in memory")
    args = parser.parse_args(argv)
    with LoopbackPortal(token=args.token, record=not args.no_record) as portal:
        print(f"PORT {portal.base_url.rsplit(':', 1)[1]}", flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
