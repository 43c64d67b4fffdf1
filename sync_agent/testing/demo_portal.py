"""A demo supplier portal on 127.0.0.1 that answers every SCAR it receives.

``scripts/run-demo`` runs it so that a newcomer sees the whole round trip
without a real supplier: the agent POSTs the demo SCAR as a Catena-X
Report8D, and a few seconds later "the supplier" publishes its 8D answer
(the D4 root cause) on the portal's answer feed, which the agent polls and
writes back to the SCAR in Odoo.

It is :class:`sync_agent.testing._loopback.LoopbackPortal` (the same portal the
tests use: idempotency keys, paged answers, token check) plus that one
behaviour. It binds to 127.0.0.1 only::

    python -m sync_agent.testing.demo_portal --token-file FILE [--port N] [--answer-delay SECONDS]

It prints ``PORT <n>`` on stdout once it listens, logs one JSON line per
document received and answer published on stderr, and serves until SIGTERM
or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._loopback import LoopbackPortal

__all__ = ["DemoSupplierPortal", "main", "supplier_answer"]

#: The step the demo supplier answers: the root cause, what a customer waits for most.
ANSWER_STEP = "D4"


def supplier_answer(scar_ref: str, now: datetime | None = None) -> dict[str, Any]:
    """The demo supplier's D4 answer to SCAR ``scar_ref``, as a portal publishes it.

    Valid for :class:`sync_agent.outbox.models.SupplierAnswer` and the Report8D
    schema, so the agent applies it rather than refusing it.
    """
    moment = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    return {
        "answer_id": f"demo-portal-{scar_ref}-{ANSWER_STEP}",
        "scar_ref": scar_ref,
        "step": ANSWER_STEP,
        "submitted_at": moment.isoformat().replace("+00:00", "Z"),
        "author": "Chen Jing (supplier quality, demo portal)",
        "supplier_complaint_id": f"DEMO-{scar_ref}",
        "summary": "Root cause: the luer thread core pin of cavity 3 is worn (occurrence); "
        "the in-process gauge check sampled one shot in 500 and missed it (non-detection).",
        "report": {
            "stepD4": {
                "causes": [
                    {
                        "typeOfCauses": "TUA",
                        "causeHypothesisDescription": "Worn core pin in cavity 3 leaves the luer thread undersized.",
                        "clarificationDate": moment.date().isoformat(),
                        "result": "Confirmed: parts of cavity 3 leak at 2 bar, other cavities do not.",
                        "method": "5-Why",
                        "verificationBy": "Chen Jing",
                    },
                    {
                        "typeOfCauses": "TUN",
                        "causeHypothesisDescription": "Gauge check frequency too low to catch pin wear.",
                        "clarificationDate": moment.date().isoformat(),
                        "result": "Confirmed: the sampling plan allowed 500 shots between checks.",
                        "method": "Process audit",
                        "verificationBy": "Chen Jing",
                    },
                ]
            }
        },
    }


class DemoSupplierPortal(LoopbackPortal):
    """A loopback portal whose supplier answers each new SCAR after ``answer_delay`` seconds."""

    def __init__(self, *, answer_delay: float = 5.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer_delay = answer_delay
        self._answered: set[str] = set()
        self._timers: list[threading.Timer] = []

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, dict]:
        status, extra, answer = super()._post(path, headers, body)
        if status == 201 and "Idempotent-Replayed" not in extra:
            scar_ref = _scar_ref(body)
            _log_line("document received", path=path, scar_ref=scar_ref, receipt=answer.get("id"))
            if scar_ref:
                self._schedule_answer(scar_ref)
        return status, extra, answer

    def _schedule_answer(self, scar_ref: str) -> None:
        with self._lock:
            if scar_ref in self._answered:
                return
            self._answered.add(scar_ref)
        timer = threading.Timer(self.answer_delay, self._publish, args=(scar_ref,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _publish(self, scar_ref: str) -> None:
        self.add_answer(supplier_answer(scar_ref))
        _log_line("supplier answer published", scar_ref=scar_ref, step=ANSWER_STEP)

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        super().stop()


def _scar_ref(body: bytes) -> str | None:
    """Our SCAR number in a Report8D document (``header.customerComplaintId``)."""
    try:
        header = json.loads(body).get("header") or {}
    except (ValueError, AttributeError):
        return None
    ref = header.get("customerComplaintId") if isinstance(header, dict) else None
    return ref if isinstance(ref, str) and ref.strip() else None


def _log_line(message: str, **fields: Any) -> None:
    record = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "message": message, **fields}
    print(json.dumps(record, ensure_ascii=False), file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; prints ``PORT <n>`` first."""
    parser = argparse.ArgumentParser(
        prog="python -m sync_agent.testing.demo_portal", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--token-file", type=Path, required=True, help="file holding the token the agent must present"
    )
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: any free port)")
    parser.add_argument(
        "--answer-delay",
        type=float,
        default=5.0,
        help="seconds before the supplier answers a SCAR (default 5)",
    )
    args = parser.parse_args(argv)
    token = args.token_file.read_text(encoding="utf-8").strip()
    if not token:
        parser.error(f"{args.token_file} is empty")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    with DemoSupplierPortal(token=token, port=args.port, answer_delay=args.answer_delay) as portal:
        print(f"PORT {portal.base_url.rsplit(':', 1)[1]}", flush=True)
        _log_line("demo supplier portal listening", url=portal.base_url)
        stop.wait()
    _log_line("demo supplier portal stopped")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
