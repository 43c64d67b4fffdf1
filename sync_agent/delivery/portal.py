"""REST client for a supplier portal.

Portal contract (the generic one this agent speaks; a vendor with another API
gets its own client behind the same two methods):

* ``POST {base_url}{path}`` with the JSON document, an ``Idempotency-Key``
  header equal to the outbox ``event_uid`` and the configured auth header.
  2xx means accepted; the JSON body's ``id`` is the portal's reference. The
  portal applies a key at most once, so every retry and every redelivery
  after a crash is safe.
* ``GET {base_url}{answers_path}?cursor=C&limit=N`` returns
  ``{"answers": [...], "next_cursor": "...", "has_more": bool}``.

Failure policy: transport errors, 408, 409, 425, 429 and 5xx are retried
in-process (tenacity, bounded attempts, waits bounded by ``retry_max_wait``,
honouring ``Retry-After`` in seconds or as an HTTP date); a ``Retry-After``
longer than that bound ends the retries at once and is handed back so Odoo
schedules the next attempt instead of this process sleeping on a lease. A
retryable status that persists through every try ends as a *retryable*
failure, so Odoo tries the event again later. Any other 4xx is permanent and
carries the portal's own message, so the person in Odoo reads why. Every call
has a connect and a read timeout; TLS certificates are always verified.

409 Conflict is retryable because of the IETF Idempotency-Key draft
(draft-ietf-httpapi-idempotency-key-header): a portal answers 409 while a
request with the same key is still being processed, typically the first try
of this very delivery, which timed out on our side while the portal went on
working. Taking that as a refusal would fail an event the portal is applying;
asking again with the same key gets the first request's result (its
reference) once it is done. The draft's real refusal of a key, reused with
another body, is 422 and stays permanent.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, Final

import requests
from pydantic import ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from .._version import __version__
from ..config.settings import PortalSettings
from ..errors import PortalError
from ..logging_setup import redact, register_secret
from ..outbox.models import AnswerPage, PortalReceipt, encode_json, truncate

__all__ = ["PortalClient", "parse_retry_after"]

_log = logging.getLogger("sync_agent.delivery.portal")
#: Statuses that may succeed when the same request is sent again (same key).
#: 409: the portal is still processing an earlier request with this
#: Idempotency-Key (see the module docstring), not a refusal.
_RETRY_STATUSES: Final = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def _portal_message(response: requests.Response) -> str:
    """The portal's own explanation, from common JSON error shapes or the text,
    redacted before it is cut (a cut token would escape redaction)."""
    try:
        body = response.json()
    except ValueError:
        return truncate(redact(response.text.strip() or response.reason or ""), 500)
    if isinstance(body, dict):
        for key in ("message", "detail", "error_description", "error", "title", "errors"):
            if body.get(key):
                value = body[key]
                return truncate(
                    redact(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)), 500
                )
    return truncate(redact(json.dumps(body, ensure_ascii=False)), 500)


def _warn_retry(exc: BaseException | None, attempt: int, wait: float | None) -> None:
    """One line per retry; ``status`` and ``retry_after`` tell a portal that is
    busy with the same key (409) or asks us to slow down from one that fails."""
    _log.warning(
        "portal call failed, retrying",
        extra={
            "attempt": attempt,
            "wait_s": wait,
            "status": exc.status if isinstance(exc, PortalError) else None,
            "retry_after": exc.retry_after if isinstance(exc, PortalError) else None,
            "error": str(exc),
        },
    )


class PortalClient:
    """One portal, one :class:`requests.Session` (connection reuse)."""

    def __init__(
        self,
        settings: PortalSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], Any] | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self._base = str(settings.base_url).rstrip("/")
        self._stop = stop_event
        # ``is None``, not ``or``: a recording callable in a test may be falsy.
        if sleep is not None:
            self._sleep: Callable[[float], Any] = sleep
        elif stop_event is not None:
            self._sleep = stop_event.wait  # a stop request cuts a wait short
        else:
            self._sleep = time.sleep
        self._timeout = (settings.connect_timeout, settings.read_timeout)
        self._session = session or requests.Session()
        self._session.verify = str(settings.ca_bundle) if settings.ca_bundle else True
        self._session.trust_env = False  # no proxies/CA/.netrc credentials picked up from the environment
        if settings.proxy is not None:
            self._session.proxies = {"http": str(settings.proxy), "https": str(settings.proxy)}
        token = settings.token.get_secret_value()
        register_secret(token)
        self._auth = (
            {"Authorization": f"Bearer {token}"}
            if settings.auth == "bearer"
            else {settings.api_key_header: token}
        )
        self._session.headers.update(
            {"User-Agent": f"complaints-sync/{__version__}", "Accept": "application/json"}
        )
        # The first try runs outside tenacity (see _call); this covers tries 2..max.
        self._retrying = Retrying(
            retry=retry_if_exception(self._retryable),
            stop=stop_after_attempt(max(settings.max_attempts - 1, 1)),
            wait=self._wait,
            sleep=self._sleep,  # type: ignore[arg-type]
            before_sleep=self._log_retry,
            reraise=True,
        )

    def close(self) -> None:
        self._session.close()

    # -- one try -------------------------------------------------------------
    def _once(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None,
        headers: dict[str, str],
        params: dict[str, Any] | None = None,
    ) -> requests.Response:
        what = f"{method} {path}"
        try:
            response = self._session.request(
                method,
                self._base + path,
                data=body,
                params=params,
                headers={**self._auth, **headers},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise PortalError(
                f"portal timed out on {what} (timeouts {self._timeout} s)", retryable=True
            ) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise PortalError(f"portal unreachable on {what}: {type(exc).__name__}", retryable=True) from None
        except requests.RequestException as exc:
            raise PortalError(f"portal request {what} failed: {exc}", retryable=False) from None
        if 200 <= response.status_code < 300:
            return response
        message = (
            f"portal answered {response.status_code} {response.reason} on {what}: {_portal_message(response)}"
        )
        if response.status_code in _RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise PortalError(message, retryable=True, status=response.status_code, retry_after=retry_after)
        raise PortalError(message, retryable=False, status=response.status_code)

    # -- retries -------------------------------------------------------------
    def _retryable(self, exc: BaseException) -> bool:
        if not isinstance(exc, PortalError) or not exc.retryable:
            return False
        if self._stop is not None and self._stop.is_set():
            return False  # shutting down: hand the event back to Odoo now
        return exc.retry_after is None or exc.retry_after <= self.settings.retry_max_wait

    def _backoff(self, exc: BaseException | None, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt``."""
        if isinstance(exc, PortalError) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.retry_max_wait)
        # Exponential backoff from 0.5 s, jittered (half to full step), never above the bound.
        ceiling = min(self.settings.retry_max_wait, 0.5 * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return self._backoff(exc, state.attempt_number + 1)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else None
        _warn_retry(exc, state.attempt_number + 1, wait)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:  # the usual case, kept free of the retry machinery
            return self._once(method, path, **kwargs)
        except PortalError as exc:
            if self.settings.max_attempts < 2 or not self._retryable(exc):
                raise
            wait = self._backoff(exc, 1)
            _warn_retry(exc, 1, wait)
        self._sleep(wait)
        return self._retrying(self._once, method, path, **kwargs)

    # -- the contract ----------------------------------------------------------
    def deliver(
        self,
        path: str,
        document: dict[str, Any],
        *,
        idempotency_key: str,
        method: str = "POST",
        event_type: str | None = None,
    ) -> PortalReceipt:
        """Send one document; :class:`PortalError` if it was not accepted."""
        body = encode_json(document)
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        if event_type:
            headers["X-Event-Type"] = event_type
        response = self._call(method, path, body=body, headers=headers)
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {}
        try:
            return PortalReceipt.model_validate(data if isinstance(data, dict) else {})
        except ValidationError:
            _log.warning(
                "portal receipt not understood; delivered without a reference",
                extra={"idempotency_key": idempotency_key},
            )
            return PortalReceipt()

    def fetch_answers(self, cursor: str | None, limit: int | None = None) -> AnswerPage:
        """One page of supplier answers after ``cursor`` (None: from the start)."""
        params: dict[str, Any] = {"limit": limit or self.settings.answers_page_size}
        if cursor is not None:
            params["cursor"] = cursor
        response = self._call("GET", self.settings.answers_path, body=None, headers={}, params=params)
        try:
            return AnswerPage.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise PortalError(
                f"portal answer page is malformed: {truncate(str(exc), 300)}", retryable=True
            ) from None
