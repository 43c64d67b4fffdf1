"""Synthetic SCAR/8D outbox events for the benchmark (deterministic per seed).

Payloads follow mappings/README.md (payload version 1) and vary the way real
ones do: one to three parts, optional containment and 8D sections, 5W2H text
of different lengths. ``python benchmarks/gen_events.py N > events.jsonl``
writes them as JSON lines (usable with ``complaints-sync render --input``).
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from typing import Any

__all__ = ["make_event", "make_events", "make_payload"]

_WORDS = (
    "scratch burr crack porosity leak dent corrosion misalignment seal housing bore thread "
    "flange casting surface tolerance gauge lot inspection shift press die coating"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _measure(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "action": _text(rng, 8),
        "owner": f"Engineer {i % 17}",
        "introduced_on": f"2025-02-{1 + i % 28:02d}",
        "proof": _text(rng, 6),
        "effectiveness": rng.choice([50, 80, 100]),
        "cause": None,
        "status": rng.choice(["open", "in_progress", "done"]),
    }


def make_payload(i: int, rng: random.Random) -> dict[str, Any]:
    """One SCAR payload; ``i`` makes numbers unique."""
    day = 1 + i % 28
    parts = [
        {
            "product_code": f"P-{i % 900:04d}-{k}",
            "supplier_product_code": f"S-{i % 700:04d}",
            "name": "Cast housing",
            "lot": f"L{2025}{i % 12 + 1:02d}-{k}",
            "serial": None,
            "purchase_order": f"P{10000 + i}",
            "quantity_received": 500,
            "quantity_defective": rng.randint(1, 60),
            "uom": "Units",
            "hw_version": None,
            "part_uuid": None,
        }
        for k in range(rng.randint(1, 3))
    ]
    payload: dict[str, Any] = {
        "scar": {
            "number": f"SCAR-2025-{i:06d}",
            "complaint_number": f"202501-{i % 9999:04d}",
            "title": _text(rng, 5),
            "issued_on": f"2025-01-{day:02d}",
            "revised_at": f"2025-01-{day:02d} 10:{i % 60:02d}:00",
            "state": "open",
            "severity": "Major",
            "location": "Incoming inspection, Plant Berlin",
            "quality_task_uuid": None,
            "supplier_complaint_ref": None,
            "requested_steps": ["D3", "D4", "D5", "D6", "D7", "D8"],
            "due_dates": {"D3": f"2025-02-{day:02d}", "D4": f"2025-03-{day:02d}", "D8": f"2025-04-{day:02d}"},
            "reply_due_on": f"2025-02-{day:02d}",
        },
        "customer": {
            "code": None,
            "name": "Example Components GmbH",
            "street": "Werkstrasse 1",
            "city": "Berlin",
            "zip": "10115",
            "country": "DE",
            "bpn": "BPNL00000003AYRE",
            "email": "quality@example.com",
            "phone": "+49 (30) 1234-567",
        },
        "supplier": {
            "code": f"V-{i % 300:05d}",
            "name": f"Supplier {i % 300}",
            "street": "1 Foundry Road",
            "city": "Sheffield",
            "zip": "S1 2AB",
            "country": "GB",
            "bpn": "BPNL00000007XYZ1",
            "email": "sqe@supplier.example.org",
            "phone": "+44 114 496 0000",
        },
        "contact": {
            "name": "Li Wei",
            "email": "li.wei@example.com",
            "phone": "+49 30 1234 568",
            "department": "Supplier Quality",
            "role": "SQE",
        },
        "team": [],
        "parts": parts,
        "problem": {
            "symptom": _text(rng, 6),
            "description": _text(rng, rng.randint(10, 40)),
            "error_type": "Surface defect",
            "error_location": "Sealing face",
            "risk_assessment_started": f"2025-01-{day:02d}",
            "risk_assessment_updated": None,
            "w5h2": {
                k: _text(rng, rng.randint(3, 12))
                for k in ("what", "why", "where", "when", "who", "how", "how_many")
            },
        },
        "emergency_actions": [_measure(rng, i)],
        "containment": None,
        "eight_d": None,
    }
    if i % 3 == 0:
        payload["containment"] = [
            {
                "action": _text(rng, 8),
                "owner": "Li Wei",
                "introduced_on": f"2025-01-{day:02d}",
                "proof": _text(rng, 5),
                "method": "100 % sorting",
                "risk": None,
                "effectiveness": 100,
            }
        ]
    if i % 5 == 0:
        payload["eight_d"] = {
            "causes": [
                {
                    "kind": "occurrence",
                    "level": "technical",
                    "hypothesis": _text(rng, 8),
                    "verified_by": "Lab",
                    "result": _text(rng, 8),
                    "clarified_on": f"2025-02-{day:02d}",
                    "method": "5why",
                    "report": None,
                    "category": None,
                }
            ],
            "corrective_actions": [_measure(rng, i)],
            "implemented_actions": [],
            "preventive_actions": [],
            "closed_on": None,
            "closing_assessment": None,
        }
    return payload


def make_event(i: int, rng: random.Random) -> dict[str, Any]:
    """A full claimed-event dict, as ``sync_claim`` returns it."""
    return {
        "event_uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "target": "supplier_portal",
        "event_type": "scar.created" if i % 4 else "scar.updated",
        "res_model": "quality.scar",
        "res_id": i,
        "payload_version": 1,
        "payload": make_payload(i, rng),
        "attempts": 0,
    }


def make_events(count: int, seed: int = 42) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_event(i, rng) for i in range(count)]


if __name__ == "__main__":
    for event in make_events(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        print(json.dumps(event))
