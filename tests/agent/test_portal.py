"""Contract tests of the portal client (HTTP mocked with ``responses``)."""

from __future__ import annotations

import json
import logging
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from sync_agent import PortalClient, PortalError
from sync_agent.delivery.portal import parse_retry_after

from agent_helpers import PORTAL_TOKEN, portal_settings

BASE = "https://portal.example.com"
URL = BASE + "/api/v1/report8d"
UID = "3f1c9a52-8a0e-4c55-9a52-1d2f0b7e4a10"
DOC = {"header": {"customerComplaintId": "SCAR-1"}}


class Sleeps(list):
    """Records the waits tenacity asks for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(**overrides: Any) -> tuple[PortalClient, Sleeps]:
    sleeps = Sleeps()
    return PortalClient(portal_settings(BASE, **overrides), sleep=sleeps), sleeps


@responses.activate
def test_post_sends_document_idempotency_key_and_bearer_token() -> None:
    responses.post(
        URL,
        json={"id": "R-17"},
        status=201,
        match=[
            matchers.header_matcher(
                {
                    "Idempotency-Key": UID,
                    "Authorization": f"Bearer {PORTAL_TOKEN}",
                    "Content-Type": "application/json",
                    "X-Event-Type": "scar.created",
                }
            ),
            matchers.json_params_matcher(DOC),
        ],
    )
    portal, _ = client()
    receipt = portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID, event_type="scar.created")
    assert receipt.id == "R-17"
    call = responses.calls[0]
    assert call.request.headers["User-Agent"].startswith("complaints-sync/")
    assert call.request.req_kwargs["timeout"] == (2, 5)  # connect and read timeout on every call
    assert call.request.req_kwargs["verify"] is True


@responses.activate
def test_api_key_auth_uses_the_configured_header() -> None:
    responses.post(
        URL, json={"id": 5}, status=200, match=[matchers.header_matcher({"X-Portal-Key": PORTAL_TOKEN})]
    )
    portal, _ = client(auth="api_key", api_key_header="X-Portal-Key")
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id == "5"
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_ca_bundle_is_used_for_verification(tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    responses.post(URL, json={}, status=202)
    portal, _ = client(ca_bundle=bundle)
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id is None
    assert responses.calls[0].request.req_kwargs["verify"] == str(bundle)


@responses.activate
def test_environment_proxies_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    responses.post(URL, json={"id": "R-1"}, status=201)
    portal, _ = client()
    portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert not responses.calls[0].request.req_kwargs.get("proxies")


@responses.activate
def test_500_is_retried_with_the_same_key_then_succeeds() -> None:
    responses.post(URL, json={"message": "db down"}, status=500)
    responses.post(URL, json={"message": "db down"}, status=503)
    responses.post(URL, json={"id": "R-2"}, status=201)
    portal, sleeps = client()
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id == "R-2"
    assert len(responses.calls) == 3
    assert {c.request.headers["Idempotency-Key"] for c in responses.calls} == {UID}
    assert len(sleeps) == 2 and all(0 <= s <= 0.2 for s in sleeps)  # bounded by retry_max_wait


@responses.activate
def test_429_waits_as_long_as_retry_after_says() -> None:
    responses.post(URL, json={"message": "slow down"}, status=429, headers={"Retry-After": "0"})
    responses.post(URL, json={"id": "R-3"}, status=201)
    portal, sleeps = client(retry_max_wait=5)
    responses.calls.reset()
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id == "R-3"
    assert sleeps == [0.0]


@responses.activate
def test_429_with_retry_after_within_bound() -> None:
    responses.post(URL, status=429, headers={"Retry-After": "3"})
    responses.post(URL, json={"id": "R-4"}, status=201)
    portal, sleeps = client(retry_max_wait=5)
    portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert sleeps == [3.0]


@responses.activate
def test_retry_after_beyond_the_bound_is_handed_to_odoo_instead_of_waiting() -> None:
    responses.post(URL, json={"message": "maintenance"}, status=503, headers={"Retry-After": "3600"})
    portal, sleeps = client(retry_max_wait=30)
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 1 and sleeps == []
    assert info.value.retryable and info.value.retry_after == 3600 and info.value.status == 503
    assert "maintenance" in str(info.value)


@responses.activate
def test_retries_are_bounded_and_end_retryable() -> None:
    responses.post(URL, json={"error": "overloaded"}, status=502)
    portal, sleeps = client(max_attempts=3)
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 3 and len(sleeps) == 2
    assert info.value.retryable and info.value.status == 502
    assert str(info.value) == "portal answered 502 Bad Gateway on POST /api/v1/report8d: overloaded"


# -- 409 Conflict: the same Idempotency-Key is still being processed (IETF draft) ----------
IN_PROGRESS = {"message": "a request with this Idempotency-Key is still in progress"}


@responses.activate
def test_409_with_retry_after_seconds_waits_then_takes_the_portals_reference() -> None:
    responses.post(URL, json=IN_PROGRESS, status=409, headers={"Retry-After": "2"})
    responses.post(URL, json={"id": "R-409"}, status=201)
    portal, sleeps = client(retry_max_wait=5)
    receipt = portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert receipt.id == "R-409" and sleeps == [2.0]
    assert [c.request.headers["Idempotency-Key"] for c in responses.calls] == [UID, UID]


@responses.activate
def test_409_with_retry_after_as_http_date_is_honoured() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=3)
    responses.post(
        URL, json=IN_PROGRESS, status=409, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    responses.post(URL, json={"id": "R-410"}, status=200)  # the portal replays the first request's answer
    portal, sleeps = client(retry_max_wait=5)
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id == "R-410"
    # HTTP dates have whole seconds: somewhere in (1, 3] seconds from now, never the bound of 5.
    assert len(sleeps) == 1 and 1 < sleeps[0] <= 3


@responses.activate
def test_409_without_retry_after_is_retried_with_backoff() -> None:
    responses.post(URL, json=IN_PROGRESS, status=409)
    responses.post(URL, json=IN_PROGRESS, status=409)
    responses.post(URL, json={"id": "R-411"}, status=201)
    portal, sleeps = client(retry_max_wait=5)
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id == "R-411"
    assert len(responses.calls) == 3
    # Exponential from 0.5 s, jittered between half and full step: (0.25..0.5), then (0.5..1).
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


@responses.activate
def test_a_409_that_persists_ends_retryable_never_permanent() -> None:
    responses.post(URL, json=IN_PROGRESS, status=409, headers={"Retry-After": "0"})
    portal, sleeps = client(max_attempts=3)
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 3 and sleeps == [0.0, 0.0]
    assert info.value.retryable and info.value.status == 409 and info.value.retry_after == 0
    assert str(info.value) == (
        "portal answered 409 Conflict on POST /api/v1/report8d: "
        "a request with this Idempotency-Key is still in progress"
    )


@responses.activate
def test_a_409_asking_for_a_long_wait_is_handed_to_odoo() -> None:
    responses.post(URL, json=IN_PROGRESS, status=409, headers={"Retry-After": "120"})
    portal, sleeps = client(retry_max_wait=30)
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 1 and sleeps == []
    assert info.value.retryable and info.value.retry_after == 120


@responses.activate
def test_a_retry_logs_the_status_and_the_portals_delay(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="sync_agent.delivery.portal")
    responses.post(URL, json=IN_PROGRESS, status=409, headers={"Retry-After": "1"})
    responses.post(URL, json={"id": "R-412"}, status=201)
    portal, _ = client(retry_max_wait=5)
    portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    (record,) = [r for r in caplog.records if r.getMessage() == "portal call failed, retrying"]
    assert (record.attempt, record.status, record.retry_after, record.wait_s) == (1, 409, 1.0, 1.0)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
@responses.activate
def test_other_4xx_are_permanent_and_carry_the_portals_message(status: int) -> None:
    responses.post(URL, json={"message": f"header.supplierId unknown ({status})"}, status=status)
    portal, sleeps = client()
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 1 and sleeps == []
    assert not info.value.retryable and info.value.status == status
    assert f"header.supplierId unknown ({status})" in str(info.value)


@responses.activate
def test_error_message_from_plain_text_and_nested_json() -> None:
    responses.post(URL, body="Bad things", status=400)
    responses.post(URL, json={"errors": [{"field": "header"}]}, status=400)
    portal, _ = client()
    for expected in ("Bad things", '[{"field": "header"}]'):
        with pytest.raises(PortalError) as info:
            portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
        assert str(info.value).endswith(expected)


@responses.activate
def test_redirect_is_not_followed_and_is_permanent() -> None:
    responses.post(URL, status=302, headers={"Location": "https://elsewhere.example.com/"})
    portal, _ = client()
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert not info.value.retryable and len(responses.calls) == 1


@responses.activate
def test_timeouts_and_connection_errors_are_retried_then_retryable() -> None:
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    responses.post(URL, body=requests.ConnectionError("refused"))
    responses.post(URL, body=requests.ConnectTimeout("connect timed out"))
    portal, sleeps = client(max_attempts=3)
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 3 and len(sleeps) == 2
    assert info.value.retryable
    assert str(info.value).startswith("portal timed out on POST /api/v1/report8d")


@responses.activate
def test_a_timeout_then_success_delivers_once_with_the_same_key() -> None:
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    responses.post(URL, json={"id": "R-9"}, status=201)
    portal, _ = client()
    assert portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID).id == "R-9"
    assert [c.request.headers["Idempotency-Key"] for c in responses.calls] == [UID, UID]


@responses.activate
def test_stop_request_ends_retries_at_once() -> None:
    import threading

    stop = threading.Event()
    stop.set()
    responses.post(URL, status=500)
    portal = PortalClient(portal_settings(BASE), sleep=lambda _s: None, stop_event=stop)
    with pytest.raises(PortalError):
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert len(responses.calls) == 1


@responses.activate
def test_fetch_answers_passes_cursor_and_validates_the_page() -> None:
    responses.get(
        BASE + "/api/v1/answers",
        json={"answers": [{"answer_id": "a1"}], "next_cursor": "7", "has_more": False},
        match=[matchers.query_param_matcher({"cursor": "5", "limit": "100"})],
    )
    portal, _ = client()
    page = portal.fetch_answers("5")
    assert page.answers == [{"answer_id": "a1"}] and page.next_cursor == "7"
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {PORTAL_TOKEN}"


@responses.activate
def test_fetch_answers_from_the_start_and_malformed_page() -> None:
    responses.get(
        BASE + "/api/v1/answers", json={"items": []}, match=[matchers.query_param_matcher({"limit": "100"})]
    )
    portal, _ = client()
    with pytest.raises(PortalError, match="portal answer page is malformed"):
        portal.fetch_answers(None)


@responses.activate
def test_token_never_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    responses.post(URL, json={"message": "nope"}, status=500)
    portal, _ = client()
    with pytest.raises(PortalError) as info:
        portal.deliver("/api/v1/report8d", DOC, idempotency_key=UID)
    assert PORTAL_TOKEN not in str(info.value)
    assert PORTAL_TOKEN not in caplog.text
    assert PORTAL_TOKEN not in repr(portal.settings)


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp()) == pytest.approx(90)
    assert (
        parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now.timestamp()) == 0
    )


def test_document_body_is_compact_utf8_json() -> None:
    with responses.RequestsMock() as mock:
        mock.post(URL, json={"id": "R"}, status=201)
        portal, _ = client()
        portal.deliver("/api/v1/report8d", {"t": "Kratzer ä 划痕"}, idempotency_key=UID)
        assert (
            mock.calls[0].request.body
            == json.dumps({"t": "Kratzer ä 划痕"}, ensure_ascii=False, separators=(",", ":")).encode()
        )
