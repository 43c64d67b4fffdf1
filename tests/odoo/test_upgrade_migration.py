"""An update from an earlier 18.0 version leaves no residue (migrations/18.0.1.2.0), in a real Odoo.

The addon is installed, without demo data, into a fresh ``mig_`` database,
which SQL then puts back into the state an earlier version left; nothing is
read from git (CI clones may be shallow):

* 8D root causes keep the column ``catena_x_type``, with values, of the field
  removed since (without its ir.model.fields row, the case Odoo itself never
  cleans up);
* SCAR outbox events not sent yet carry the old payload, whose root causes are
  named by their Catena-X type (``"type": "TUA"``) instead of kind and level:
  Failed with the error the sync agent really gives for it (rendered here by
  the agent's own mapping), pending, being sent, and Failed for another
  reason; beside them, sent and cancelled ones in the old format, one whose
  cause type cannot be read, and events in the current format, which must
  stay as they are;
* the acknowledgement template has the body shipped before, in English and
  Simplified Chinese (active): the current body of the data file and the .po
  file with the promised reply date in the old time zone;
* the module's installed version is 18.0.1.1.0.

A copy of that database differs in two ways: the template was customised by
hand, and the removed field still has its ir.model.fields rows. Both
databases are then updated with ``odoo -u`` and checked: the column and its
metadata are gone, the rewritten payloads validate against
mappings/schemas/scar_payload_v1.schema.json and render through the agent's
mapping into the Report8D cause codes they had, the events that failed for
their format alone are due again, the others are untouched, the template
prints the reply date in the company's time zone, and the customised one is
left as it was, with a warning.
"""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import polib
import pytest
from odoo_harness.e2e import psql
from odoo_harness.runner import OdooHarness, OdooRun, analyse_log, drop_database, failure_report, log_records

from sync_agent import MappingError, MappingRegistry, OutboxEvent

pytestmark = pytest.mark.odoo

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
PAYLOAD_SCHEMA = MAPPINGS / "schemas" / "scar_payload_v1.schema.json"
EXAMPLE_EVENT = MAPPINGS / "examples" / "scar.created.v1.json"
ZH_CN_PO = REPO / "odoo_addon_complaints" / "i18n" / "zh_CN.po"

TEMPLATE_XMLID = "mail_template_complaint_acknowledgement"
#: What changed in the acknowledgement's body (commit bb00e47): the time zone of the promised reply date.
OLD_TZ = "tz=object.user_id.tz or object.company_id.partner_id.tz or 'UTC'"
NEW_TZ = "tz=object.company_id.complaints_tz"
#: The Report8D cause codes and our kind and level (mappings/supplier_portal_report8d.yaml).
CODES = {
    ("technical", "occurrence"): "TUA",
    ("technical", "non_detection"): "TUN",
    ("systemic", "occurrence"): "SUA",
    ("systemic", "non_detection"): "SUN",
}
OLD_VERSION = "18.0.1.1.0"


# -- the databases ---------------------------------------------------------------------


@pytest.fixture
def mig_databases(odoo_harness: OdooHarness) -> Iterator[tuple[str, str]]:
    """Names of a fresh database and of its copy; both are dropped afterwards, pass or fail."""
    base = f"mig_{uuid.uuid4().hex[:12]}"
    names = (base, f"{base}_custom")
    try:
        yield names
    finally:
        for name in names:
            drop_database(odoo_harness.pg, name)


def _sql(h: OdooHarness, db: str, sql: str, *params: str) -> str:
    return psql(h.pg, db, sql, *params).strip()


def _json(h: OdooHarness, db: str, sql: str, *params: str) -> Any:
    return json.loads(_sql(h, db, sql, *params) or "null")


def _check_run(run: OdooRun, what: str) -> None:
    analysis = analyse_log(run.log_text())
    problems = []
    if run.timed_out or run.returncode != 0:
        problems.append(f"Odoo exited with {run.returncode} after {run.duration:.0f} s")
    if analysis.problems:
        problems.append(f"Odoo logged {len(analysis.problems)} ERROR/CRITICAL record(s)")
    if problems:
        pytest.fail(failure_report(run, analysis, [f"{what} failed:", *problems]), pytrace=False)


def _migration_records(run: OdooRun, level: str) -> list[str]:
    """Messages the migration scripts logged at ``level`` (their loggers are the scripts' names)."""
    return [
        record.message
        for record in log_records(run.log_text())
        if record.level == level and record.logger in ("pre-migration", "post-migration")
    ]


# -- the old state ---------------------------------------------------------------------


def _example_payload() -> dict[str, Any]:
    """The documented example payload with one root cause of each kind and level."""
    payload = json.loads(EXAMPLE_EVENT.read_text(encoding="utf-8"))["payload"]
    first = payload["eight_d"]["causes"][0]
    payload["eight_d"]["causes"] += [
        {
            **first,
            "kind": "non_detection",
            "level": "technical",
            "hypothesis": "The leak test misses 1 bar leaks",
        },
        {
            **first,
            "kind": "occurrence",
            "level": "systemic",
            "hypothesis": "No maintenance plan for the pads",
        },
    ]
    return payload


def _old_format(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as the addon wrote it before the Catena-X codes moved into the mapping."""
    old = copy.deepcopy(payload)
    del old["end_customer"]
    for cause in old["eight_d"]["causes"]:
        cause["type"] = CODES[(cause.pop("level"), cause.pop("kind"))]
    return old


def _agent_renders(payload: dict[str, Any]) -> dict[str, Any]:
    """The Report8D document the sync agent makes of ``payload`` (MappingError if it cannot)."""
    event = json.loads(EXAMPLE_EVENT.read_text(encoding="utf-8"))
    event["payload"] = payload
    outbox_event = OutboxEvent.model_validate(event)
    return MappingRegistry.load_dir(MAPPINGS).for_event(outbox_event).render(outbox_event)


def _agent_error(payload: dict[str, Any]) -> str:
    """What the sync agent reports (and Odoo keeps as the event's last error) for ``payload``."""
    with pytest.raises(MappingError) as refused:
        _agent_renders(payload)
    return str(refused.value)


def _zh_cn_body(english: str) -> str:
    """The Simplified Chinese body of the template in the module's .po file."""
    for entry in polib.pofile(str(ZH_CN_PO)):
        if entry.msgid == english and entry.msgstr:
            return entry.msgstr
    raise AssertionError(f"{ZH_CN_PO} has no translation of the acknowledgement's body")


#: Events by name: (state, payload format "old"/"current", last error, res_id).
def _events(old_failure: str) -> dict[str, tuple[str, str, str | None, int]]:
    outage = (
        "Retry window of 72.0 hours ran out (failing since 2026-11-30 08:00:00 UTC, 40 failed attempts); "
        "last error: portal answered 503 Service Unavailable"
    )
    return {
        "failed_for_format": ("dead", "old", old_failure, 9001),
        "held_behind_it": ("pending", "current", None, 9001),
        "pending_old": ("pending", "old", None, 9002),
        "leased_old": ("leased", "old", None, 9003),
        "failed_for_outage": ("dead", "old", outage, 9004),
        "sent_old": ("done", "old", None, 9005),
        "cancelled_old": ("cancelled", "old", old_failure, 9006),
        "failed_current": ("dead", "current", "portal refused: 422 duplicate SCAR number", 9007),
        "unknown_code": ("dead", "unknown", old_failure, 9008),
    }


def _simulate_old_state(h: OdooHarness, db: str, events: dict, payloads: dict, bodies: dict) -> None:
    _sql(
        h,
        db,
        f"""
        UPDATE ir_module_module SET latest_version = '{OLD_VERSION}' WHERE name = '{h.module}';
        UPDATE res_lang SET active = true WHERE code = 'zh_CN';
        UPDATE mail_template SET body_html = jsonb_build_object('en_US', :'p1'::text, 'zh_CN', :'p2'::text)
         WHERE id = (SELECT res_id FROM ir_model_data WHERE module = '{h.module}' AND name = '{TEMPLATE_XMLID}');
        INSERT INTO quality_eight_d (id, name, title, step, source, champion_id, company_id)
             VALUES (9100, '8D-OLD', 'Leaking connectors', 'D4', 'supplier', 2, 1);
        INSERT INTO quality_eight_d_root_cause (id, eight_d_id, sequence, cause_kind, cause_level, description)
             VALUES (9101, 9100, 10, 'occurrence', 'technical', 'Worn gripper pads'),
                    (9102, 9100, 20, 'non_detection', 'systemic', 'No visual check before packing');
        ALTER TABLE quality_eight_d_root_cause ADD COLUMN catena_x_type varchar;
        UPDATE quality_eight_d_root_cause
           SET catena_x_type = cause_level || CASE cause_kind WHEN 'occurrence' THEN 'Occurrence'
                                                              ELSE 'NonDetection' END;
        """,
        bodies["en_US"],
        bodies["zh_CN"],
    )
    for name, (state, kind, error, res_id) in events.items():
        _sql(
            h,
            db,
            """
            INSERT INTO quality_sync_event
                   (event_uid, target, event_type, res_model, res_id, res_name, payload_version, payload,
                    company_id, state, attempts, failure_count, last_error, lease_owner, lease_expires_at,
                    next_attempt_at, create_date, write_date)
            VALUES (:'p1', 'supplier_portal', 'scar.created', 'quality.scar', :'p2'::int, :'p3', 1,
                    :'p4'::jsonb, 1, :'p5', CASE WHEN :'p5' = 'leased' THEN 2 ELSE 1 END,
                    CASE WHEN :'p5' = 'dead' THEN 1 ELSE 0 END, NULLIF(:'p6', ''),
                    CASE WHEN :'p5' = 'leased' THEN 'agent-before-upgrade' END,
                    CASE WHEN :'p5' = 'leased' THEN now() AT TIME ZONE 'UTC' + interval '2 minutes' END,
                    now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
            """,
            name,
            str(res_id),
            name,
            json.dumps(payloads[kind]),
            state,
            error or "",
        )


def _customise(h: OdooHarness, db: str, customised_en: str) -> None:
    """The copy: a template someone changed, and the removed field's metadata still there."""
    _sql(
        h,
        db,
        f"""
        UPDATE mail_template SET body_html = jsonb_set(body_html, '{{en_US}}', to_jsonb(:'p1'::text))
         WHERE id = (SELECT res_id FROM ir_model_data WHERE module = '{h.module}' AND name = '{TEMPLATE_XMLID}');
        WITH field AS (
            INSERT INTO ir_model_fields (name, model, model_id, field_description, ttype, state, store,
                                         readonly, compute, depends)
            SELECT 'catena_x_type', model, id, '{{"en_US": "Catena X Type"}}', 'selection', 'base', true,
                   true, '_compute_catena_x_type', 'cause_kind,cause_level'
              FROM ir_model WHERE model = 'quality.eight.d.root.cause'
         RETURNING id
        ), selection AS (
            INSERT INTO ir_model_fields_selection (field_id, value, name, sequence)
            SELECT field.id, value, jsonb_build_object('en_US', value), 10
              FROM field, unnest(ARRAY['technicalOccurrence', 'systemicNonDetection']) AS value
         RETURNING id, value
        )
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
        SELECT '{h.module}', 'field_quality_eight_d_root_cause__catena_x_type', 'ir.model.fields', id, false
          FROM field
         UNION ALL
        SELECT '{h.module}', 'selection__quality_eight_d_root_cause__catena_x_type__' || lower(value),
               'ir.model.fields.selection', id, false
          FROM selection;
        """,
        customised_en,
    )


# -- the test --------------------------------------------------------------------------


def test_update_from_18_0_1_1_0_leaves_no_residue(
    odoo_harness: OdooHarness, mig_databases: tuple[str, str], tmp_path: Path
) -> None:
    h = odoo_harness
    db, custom_db = mig_databases
    workdir = tmp_path / "odoo"
    _check_run(h.install(db, workdir, demo=False, test_enable=False), f"installing {h.module} into {db}")

    template_sql = (
        "SELECT body_html FROM mail_template WHERE id = (SELECT res_id FROM ir_model_data "
        f"WHERE module = '{h.module}' AND name = '{TEMPLATE_XMLID}')"
    )
    shipped = {"en_US": _json(h, db, template_sql)["en_US"]}
    shipped["zh_CN"] = _zh_cn_body(shipped["en_US"])
    assert all(NEW_TZ in body for body in shipped.values())
    old_bodies = {lang: body.replace(NEW_TZ, OLD_TZ) for lang, body in shipped.items()}
    customised_en = old_bodies["en_US"].replace("Best regards,", "With kind regards from the quality team,")

    current = _example_payload()
    old = _old_format(current)
    old_failure = _agent_error(old)
    assert "typeOfCauses" in old_failure, old_failure  # what the agent says of the old payload today
    events = _events(old_failure)
    unknown = copy.deepcopy(old)
    unknown["eight_d"]["causes"][1]["type"] = "XYZ"
    _simulate_old_state(h, db, events, {"old": old, "current": current, "unknown": unknown}, old_bodies)

    _sql(h, "postgres", f'CREATE DATABASE "{custom_db}" TEMPLATE "{db}"')
    filestore = workdir / "data" / "filestore"
    if (filestore / db).is_dir():
        shutil.copytree(filestore / db, filestore / custom_db)
    _customise(h, custom_db, customised_en)

    # The two updates side by side: each is mostly one Odoo process on one core.
    with ThreadPoolExecutor(max_workers=2) as pool:
        update, custom_update = pool.map(lambda name: h.update(name, workdir), (db, custom_db))
    _check_run(update, f"updating {h.module} in {db}")
    _check_run(custom_update, f"updating {h.module} in {custom_db}")

    # -- the column of the removed field, and its metadata, are gone; the causes stay
    for name in (db, custom_db):
        assert not _sql(
            h,
            name,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'quality_eight_d_root_cause' AND column_name = 'catena_x_type'",
        ), name
        assert (
            _sql(
                h,
                name,
                "SELECT (SELECT count(*) FROM ir_model_fields WHERE name = 'catena_x_type')"
                " + (SELECT count(*) FROM ir_model_data WHERE name LIKE '%catena\\_x\\_type%')",
            )
            == "0"
        ), name
        assert (
            _sql(
                h,
                name,
                "SELECT string_agg(cause_kind || '/' || cause_level, ',' ORDER BY id) FROM quality_eight_d_root_cause",
            )
            == "occurrence/technical,non_detection/systemic"
        )
    assert any("leftover column dropped" in message for message in _migration_records(update, "INFO"))
    custom_infos = _migration_records(custom_update, "INFO")
    assert any("1 ir.model.fields row(s) and 3 ir.model.data row(s) removed" in m for m in custom_infos)

    # -- SCAR events
    rows = _json(
        h,
        db,
        "SELECT json_object_agg(event_uid, json_build_object('state', state, 'payload', payload, "
        "'last_error', last_error, 'attempts', attempts, 'failure_count', failure_count, "
        "'lease_owner', lease_owner, 'next_attempt_at', next_attempt_at)) FROM quality_sync_event "
        "WHERE res_model = 'quality.scar' AND res_id >= 9000",
    )
    assert set(rows) == set(events)
    validator = jsonschema.Draft202012Validator(json.loads(PAYLOAD_SCHEMA.read_text(encoding="utf-8")))
    rewritten = ("failed_for_format", "pending_old", "leased_old", "failed_for_outage")
    for name in rewritten:
        payload = rows[name]["payload"]
        validator.validate(payload)
        assert payload == current, f"{name}: the payload is not the current format of the same data"
        causes = _agent_renders(payload)["stepD4"]["causes"]
        assert [cause["typeOfCauses"] for cause in causes] == ["TUA", "SUN", "TUN", "SUA"], name
        assert "Upgrade to 18.0.1.2.0: payload rewritten" in rows[name]["last_error"], name

    failed = rows["failed_for_format"]
    assert failed["state"] == "pending", "an event that failed for its format alone is due again"
    assert (failed["attempts"], failed["failure_count"], failed["lease_owner"]) == (0, 0, None)
    assert failed["next_attempt_at"]
    assert old_failure in failed["last_error"]
    assert rows["held_behind_it"]["state"] == "pending" and rows["held_behind_it"]["payload"] == current
    assert rows["pending_old"]["state"] == "pending"
    leased = rows["leased_old"]
    assert (leased["state"], leased["lease_owner"], leased["attempts"]) == ("pending", None, 1)
    outage = rows["failed_for_outage"]
    assert outage["state"] == "dead", "a failure for another reason stays Failed"
    assert outage["last_error"].splitlines()[0] == events["failed_for_outage"][2]
    for name in ("sent_old", "cancelled_old"):
        assert rows[name]["payload"] == old and rows[name]["state"] == events[name][0], name
        assert rows[name]["last_error"] == (events[name][2] or None), name
    assert rows["failed_current"]["payload"] == current
    assert (rows["failed_current"]["state"], rows["failed_current"]["last_error"]) == (
        "dead",
        events["failed_current"][2],
    )
    assert rows["unknown_code"]["payload"] == unknown and rows["unknown_code"]["state"] == "dead"
    infos = _migration_records(update, "INFO")
    assert any("due again (it had failed for its format alone)" in message for message in infos), infos
    warnings = _migration_records(update, "WARNING")
    assert len(warnings) == 1 and "unknown Catena-X type" in warnings[0], warnings

    # -- the acknowledgement template: the current wording in both languages
    assert _json(h, db, template_sql) == shipped

    # -- a customised template is left as it was, and said so
    assert _json(h, custom_db, template_sql) == {"en_US": customised_en, "zh_CN": old_bodies["zh_CN"]}
    warnings = _migration_records(custom_update, "WARNING")
    assert any(TEMPLATE_XMLID in message and "left as it is" in message for message in warnings), warnings
