# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SCAR events not yet sent, brought to this version's payload format.

Until the Catena-X cause codes moved into the mapping, a SCAR
payload named each root cause by its Catena-X type (``"type": "TUA"``);
it now says what kind of cause it is at which level (``"kind": "occurrence",
"level": "technical"``) and the mapping makes the code. The agent finds no
kind and level in such a payload (the payload schema lets it through, as it
requires no property of a cause), renders Report8D causes without their
``typeOfCauses`` and refuses the document at once, so the event ends Failed
(and holds the later events of its SCAR) until a person cancels it. Every event of a SCAR
not yet sent (pending, being sent or Failed) whose payload has such causes is
rewritten here: each Catena-X type becomes kind and level by the inverse of the
mapping's table (TUA technical occurrence, TUN technical non-detection, SUA
systemic occurrence, SUN systemic non-detection), and ``end_customer`` is null,
what the payload says today of a SCAR that does not share the end customer
(none could before). The payload is converted rather than rebuilt from the SCAR
because an event carries what the supplier must see as of its change, and the
SCAR may have changed (or be gone) since. An event that Failed only because of
its format (its error names the Report8D cause types or the payload's causes)
is due again; one being sent is given back as the agent's release does, so
that the agent's late answer about the old payload is ignored; one that
Failed for another reason stays Failed, its payload rewritten, so that a
requeue sends the current format. Each rewritten event says so in its last
error; an event whose causes cannot be read (no known type) is left and
logged. Sent, cancelled and superseded events are history and stay as they
were.

Run on a database that never had the old state, it changes nothing; run
twice, the second run finds nothing to do.
"""

import logging
import re

from psycopg2.extras import Json

_logger = logging.getLogger(__name__)

MODULE = "odoo_addon_complaints"
VERSION = "18.0.1.2.0"

#: The inverse of typeOfCauses in mappings/supplier_portal_report8d.yaml: code -> (kind, level).
KIND_LEVEL_OF_CODE = {
    "TUA": ("occurrence", "technical"),
    "TUN": ("non_detection", "technical"),
    "SUA": ("occurrence", "systemic"),
    "SUN": ("non_detection", "systemic"),
}
#: States of an event not sent yet (quality_sync_event.UNSENT_STATES).
UNSENT_STATES = ("pending", "leased", "dead")
#: What the agent's error says when a payload failed for its old causes: the rendered
#: Report8D misses stepD4.causes[n].typeOfCauses, or the input schema names eight_d.causes.
OLD_FORMAT_ERROR = re.compile(r"typeOfCauses|eight_d\.causes")
REWRITTEN = (
    f"Upgrade to {VERSION}: payload rewritten to the current format (root causes as kind and level "
    "instead of the Catena-X codes TUA, TUN, SUA, SUN, which the sync agent no longer reads)."
)


def _converted_causes(causes):
    """``causes`` with kind and level for their Catena-X type, or None if a type is unknown."""
    converted = []
    for cause in causes:
        if isinstance(cause, dict) and "type" in cause and not ("kind" in cause and "level" in cause):
            kind_level = KIND_LEVEL_OF_CODE.get(str(cause["type"] or "").upper())
            if kind_level is None:
                return None
            cause = {key: value for key, value in cause.items() if key != "type"}
            cause["kind"], cause["level"] = kind_level
        converted.append(cause)
    return converted


def _after_rewrite(state, last_error, lease_owner):
    """The columns to set on a rewritten event besides its payload, and what became of it, in words."""
    if state == "dead" and OLD_FORMAT_ERROR.search(last_error or ""):
        # What a requeue in Sync Events does (quality.sync.event.action_requeue).
        values = {
            "state": "pending",
            "attempts": 0,
            "failure_count": 0,
            "lease_lapses": 0,
            "first_failure_at": None,
            "retry_until": None,
            "lease_owner": None,
            "lease_expires_at": None,
            "last_error": f"{REWRITTEN} It had failed for that alone and is due again. Previous error: {last_error}",
        }
        return values, "due again (it had failed for its format alone)"
    if state == "dead":
        # The first line stays the error that made it Failed: the events it holds quote it.
        note = (
            f"{last_error}\n\n{REWRITTEN} It stays Failed for the error above." if last_error else REWRITTEN
        )
        return {"last_error": note}, "still Failed (it failed for another reason)"
    if state == "leased":
        # What the agent's release does (quality.sync.event.sync_release): the attempt does not count.
        values = {
            "state": "pending",
            "lease_owner": None,
            "lease_expires_at": None,
            "last_error": f"{REWRITTEN} The lease of agent {lease_owner} was released; it is due again.",
        }
        return values, f"due again (lease of agent {lease_owner} released)"
    return {"last_error": REWRITTEN}, "still pending"


def _rewrite_scar_events(cr):
    cr.execute(
        """
        SELECT id, state, payload, last_error, lease_owner
          FROM quality_sync_event
         WHERE res_model = 'quality.scar' AND state IN %s
           AND jsonb_typeof(payload -> 'eight_d' -> 'causes') = 'array'
           AND EXISTS (SELECT 1 FROM jsonb_array_elements(payload -> 'eight_d' -> 'causes') AS cause
                        WHERE jsonb_typeof(cause) = 'object' AND cause ? 'type'
                          AND NOT (cause ? 'kind' AND cause ? 'level'))
      ORDER BY id
           FOR UPDATE
        """,
        (UNSENT_STATES,),
    )
    rewritten = []
    for event_id, state, payload, last_error, lease_owner in cr.fetchall():
        causes = _converted_causes(payload["eight_d"]["causes"])
        if causes is None:
            _logger.warning(
                "sync event %s (%s): payload in the old format with a root cause of unknown Catena-X type, "
                "left as it is: cancel it in Sync Events",
                event_id,
                state,
            )
            continue
        payload = {**payload, "eight_d": {**payload["eight_d"], "causes": causes}}
        payload.setdefault("end_customer", None)
        values, outcome = _after_rewrite(state, last_error, lease_owner)
        values["payload"] = Json(payload)
        assignments = ", ".join(f'"{column}" = %({column})s' for column in values)
        if values.get("state") == "pending":
            assignments += ", next_attempt_at = now() AT TIME ZONE 'UTC'"
        if state == "leased":
            assignments += ", attempts = GREATEST(attempts - 1, 0)"
        cr.execute(
            f"UPDATE quality_sync_event SET {assignments} WHERE id = %(id)s", {**values, "id": event_id}
        )
        rewritten.append(event_id)
        _logger.info(
            "sync event %s (%s): payload rewritten to the current format, %s", event_id, state, outcome
        )
    if rewritten:
        _logger.info("%s SCAR event(s) rewritten from the old payload format: %s", len(rewritten), rewritten)


def migrate(cr, version):
    _rewrite_scar_events(cr)
