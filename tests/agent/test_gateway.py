"""OdooRpcGateway against a stub Odoo JSON-RPC server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sync_agent import GatewayCallError, GatewayUnavailable, OdooGateway, OdooRpcGateway, OdooSettings

from agent_helpers import SECRET


class StubOdoo:
    """Answers what odoorpc asks: version_info, common.login, context_get, execute_kw."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[Any]]] = []  # (model, method, args)
        self.delay = 0.0
        self.results: dict[str, Any] = {
            "sync_claim": [{"event_uid": "x"}],
            "sync_ack": True,
            "sync_fail": "pending",
            "sync_results": ["done", "pending"],
            "sync_release": 2,
            "sync_status": {"counts": {"pending": 3}},
            "sync_apply_supplier_answer": {"status": "applied"},
            "sync_report_rendered": True,
            "sync_report_invalid": True,
            "sync_apply_acknowledgement": {"matched": True, "report": "RR-1", "state": "acknowledged"},
        }

    def rpc(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        if path == "/web/webclient/version_info":
            return {"result": {"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""]}}
        service, method, args = params.get("service"), params.get("method"), params.get("args", [])
        if (service, method) == ("common", "login"):
            return {"result": 7 if args[2] == SECRET else False}
        if (service, method) == ("object", "execute"):  # odoorpc: context_get at login, fields_get per model
            return {"result": {"lang": "en_US", "tz": "UTC"} if args[4] == "context_get" else {}}
        if (service, method) == ("object", "execute_kw"):
            db, uid, password, model, name, call_args = args[:6]
            assert (db, uid, password) == ("prod", 7, SECRET)
            self.calls.append((model, name, call_args))
            if name == "boom":
                return {
                    "error": {
                        "code": 200,
                        "message": "Odoo Server Error",
                        "data": {
                            "name": "odoo.exceptions.UserError",
                            "message": "No SCAR SCAR-X",
                            "debug": "Traceback ...",
                        },
                    }
                }
            if name not in self.results:
                return {
                    "error": {
                        "code": 200,
                        "message": "Odoo Server Error",
                        "data": {"name": "builtins.AttributeError", "message": f"no method {name}"},
                    }
                }
            return {"result": self.results[name]}
        return {"error": {"code": 404, "message": "not found", "data": {"message": "not found"}}}


@pytest.fixture
def odoo() -> Iterator[tuple[StubOdoo, int]]:
    stub = StubOdoo()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if stub.delay:
                threading.Event().wait(stub.delay)
            answer = {"jsonrpc": "2.0", "id": body.get("id"), **stub.rpc(self.path, body.get("params", {}))}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield stub, server.server_address[1]
    server.shutdown()
    server.server_close()


def settings(port: int, key: str = SECRET, timeout: float = 5) -> OdooSettings:
    return OdooSettings(
        url=f"http://127.0.0.1:{port}", db="prod", user="sync-bot", api_key=key, timeout=timeout
    )


def test_calls_follow_the_outbox_contract(odoo: tuple[StubOdoo, int]) -> None:
    stub, port = odoo
    gateway = OdooRpcGateway(settings(port))
    assert isinstance(gateway, OdooGateway)
    assert gateway.sync_claim("agent-1", 20, 600, ["supplier_portal"]) == [{"event_uid": "x"}]
    assert gateway.sync_ack("agent-1", "uid-1", "R-1") is True
    assert gateway.sync_fail("agent-1", "uid-1", "portal 503", True, 30.0) == "pending"
    assert gateway.sync_release("agent-1", ["a", "b"]) == 2
    assert gateway.sync_status() == {"counts": {"pending": 3}}
    assert gateway.sync_apply_supplier_answer("SCAR-1", {"answer_id": "a"}) == {"status": "applied"}
    assert stub.calls == [
        ("quality.sync.event", "sync_claim", ["agent-1", 20, 600, ["supplier_portal"]]),
        ("quality.sync.event", "sync_ack", ["agent-1", "uid-1", "R-1"]),
        ("quality.sync.event", "sync_fail", ["agent-1", "uid-1", "portal 503", True, 30.0]),
        ("quality.sync.event", "sync_release", ["agent-1", ["a", "b"]]),
        ("quality.sync.event", "sync_status", []),
        ("quality.sync.event", "sync_apply_supplier_answer", ["SCAR-1", {"answer_id": "a"}]),
    ]


def test_regulatory_report_calls_go_to_the_report_model(odoo: tuple[StubOdoo, int]) -> None:
    stub, port = odoo
    gateway = OdooRpcGateway(settings(port))
    problems = [{"path": "/incident/admin_info/ncaReportNo", "message": "missing"}]
    assert gateway.report_rendered(7, "uid-1", "RR-1_MIR_initial.xml", "PGE+", "ab12") is True
    assert gateway.report_invalid(7, "uid-2", problems) is True
    ack = {"kind": "ACK3", "report_number": "1234567-2026-00001", "status": "accepted"}
    assert gateway.apply_acknowledgement(ack) == stub.results["sync_apply_acknowledgement"]
    assert stub.calls == [
        (
            "quality.regulatory.report",
            "sync_report_rendered",
            [7, "uid-1", "RR-1_MIR_initial.xml", "PGE+", "ab12"],
        ),
        ("quality.regulatory.report", "sync_report_invalid", [7, "uid-2", problems]),
        ("quality.regulatory.report", "sync_apply_acknowledgement", [ack]),
    ]
    stub.results["sync_apply_acknowledgement"] = False  # an Odoo answering without a dict
    assert gateway.apply_acknowledgement(ack) == {"matched": False, "report": None, "state": None}


def test_odoo_errors_become_gateway_call_errors_with_odoos_message(odoo: tuple[StubOdoo, int]) -> None:
    stub, port = odoo
    gateway = OdooRpcGateway(settings(port))
    with pytest.raises(GatewayCallError, match=r"^quality.sync.event.boom: No SCAR SCAR-X$"):
        gateway._call("boom")
    stub.results["sync_claim"] = {"not": "a list"}
    with pytest.raises(GatewayCallError, match="sync_claim returned dict, expected a list"):
        gateway.sync_claim("a", 1, 60, None)


def test_a_flush_is_one_call_and_its_errors_are_redacted_and_truncated(odoo: tuple[StubOdoo, int]) -> None:
    stub, port = odoo
    gateway = OdooRpcGateway(settings(port))
    results = [
        {"event_uid": "uid-1", "outcome": "done", "remote_ref": "R-1"},
        {
            "event_uid": "uid-2",
            "outcome": "failed",
            "error": f"portal echoed {SECRET} " + "x" * 3000,
            "retryable": True,
            "retry_after": None,
        },
    ]
    assert gateway.sync_results("agent-1", results) == ["done", "pending"]
    [(model, method, (agent, sent))] = stub.calls
    assert (model, method, agent) == ("quality.sync.event", "sync_results", "agent-1")
    assert sent[0] == results[0]
    assert SECRET not in sent[1]["error"] and len(sent[1]["error"]) <= 2000
    stub.results["sync_results"] = ["done"]  # one answer for two results
    with pytest.raises(GatewayCallError, match="expected 2 answers"):
        gateway.sync_results("agent-1", results)


def test_refused_fail_reads_as_not_leased(odoo: tuple[StubOdoo, int]) -> None:
    stub, port = odoo
    stub.results["sync_fail"] = False  # Odoo's answer when the agent no longer holds the lease
    assert OdooRpcGateway(settings(port)).sync_fail("a", "uid", "x", True, None) == "not-leased"


def test_wrong_key_is_a_call_error(odoo: tuple[StubOdoo, int]) -> None:
    _, port = odoo
    with pytest.raises(GatewayCallError, match="Wrong login ID or password"):
        OdooRpcGateway(settings(port, key="wrong-key-123")).sync_status()


def test_unreachable_and_slow_odoo_are_unavailable(odoo: tuple[StubOdoo, int]) -> None:
    stub, port = odoo
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    with pytest.raises(GatewayUnavailable, match="odoo unreachable during sync_status"):
        OdooRpcGateway(settings(free_port)).sync_status()
    gateway = OdooRpcGateway(settings(port, timeout=0.3))
    gateway.sync_status()
    stub.delay = 1.0
    with pytest.raises(GatewayUnavailable, match="odoo unreachable during sync_claim"):
        gateway.sync_claim("a", 1, 60, None)
    stub.delay = 0
    assert gateway.sync_status() == {"counts": {"pending": 3}}  # reconnects after a failure


def test_url_with_a_path_is_refused() -> None:
    with pytest.raises(ValueError, match="must not have a path"):
        OdooRpcGateway(OdooSettings(url="http://odoo.example.com/odoo", db="d", user="u", api_key="k123"))


def test_api_key_never_reaches_the_logs(odoo: tuple[StubOdoo, int], caplog: pytest.LogCaptureFixture) -> None:
    _, port = odoo
    caplog.set_level(logging.DEBUG)
    logging.getLogger("odoorpc").setLevel(logging.DEBUG)
    gateway = OdooRpcGateway(settings(port))  # puts odoorpc's logger back above DEBUG
    gateway.sync_claim("agent-1", 1, 60, None)
    assert SECRET not in caplog.text


def test_business_refusals_are_told_apart(odoo: tuple[StubOdoo, int]) -> None:
    _, port = odoo
    with pytest.raises(GatewayCallError) as info:
        OdooRpcGateway(settings(port))._call("boom")
    assert info.value.kind == "odoo.exceptions.UserError" and info.value.is_refusal
    with pytest.raises(GatewayCallError) as info:
        OdooRpcGateway(settings(port))._call("no_such_method")
    assert info.value.kind == "builtins.AttributeError" and not info.value.is_refusal
