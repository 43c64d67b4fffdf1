# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SCAR events not yet sent and the acknowledgement template, brought to this version's format and wording.

SCAR events. Until the Catena-X cause codes moved into the mapping, a SCAR
payload named each root cause by its Catena-X type (``"type": "TUA"``); it now
says what kind of cause it is at which level
(``"kind": "occurrence", "level": "technical"``) and the mapping makes the code.
The agent finds no kind and level in such a payload (the payload schema lets
it through, as it requires no property of a cause), renders Report8D causes
without their ``typeOfCauses`` and refuses the document at once, so the event
ends Failed (and holds the later events of its SCAR) until a person cancels
it. Every event of a SCAR not yet sent (pending, being sent or Failed) whose
payload has such causes is rewritten here: each Catena-X type becomes kind and
level by the inverse of the mapping's table (TUA technical occurrence, TUN
technical non-detection, SUA systemic occurrence, SUN systemic non-detection),
and ``end_customer`` is null, what the payload says today of a SCAR that does
not share the end customer (none could before). The payload is converted
rather than rebuilt from the SCAR because an event carries what the supplier
must see as of its change, and the SCAR may have changed (or be gone) since.
An event that Failed only because of its format (its error names the Report8D
cause types or the payload's causes) is due again; one being sent is given
back as the agent's release does, so that the agent's late answer about the
old payload is ignored; one that Failed for another reason stays Failed, its
payload rewritten, so that a requeue sends the current format. Each rewritten
event says so in its last error; an event whose causes cannot be read (no
known type) is left and logged. Sent, cancelled and superseded events are
history and stay as they were.

Acknowledgement template. ``mail_template_complaint_acknowledgement`` is
loaded once (``noupdate``), so an update never brought its new wording, which
prints the promised reply date in the company's time zone of complaint dates
(``tz=object.company_id.complaints_tz``) instead of the responsible user's
time zone, else the company partner's, else UTC. Its body is replaced only
when every language of it is still the wording the addon shipped before (or
already the current one); a template someone changed is left as it is, with a
warning. The body is re-read from the data file through Odoo's own loader
(``odoo.tools.convert.xml_import``), limited to this record and this one
field, so that it is stored exactly as a fresh install stores it, and the
other languages are re-read from the module's .po files for this record only
(``TranslationImporter``). That is cleaner here than OpenUpgrade's toggling of
``noupdate`` in the pre-migration: toggling reloads every field of the
record (subject, recipients, sender: a change someone made to them would be
lost although only the body is checked), needs a second step to put
``noupdate`` back, and still leaves the translations in their old wording,
since an update keeps existing translations.

Run on a database that never had the old state, it changes nothing; run
twice, the second run finds nothing to do.
"""

import logging
import re

from lxml import etree
from psycopg2.extras import Json

from odoo import SUPERUSER_ID, api
from odoo.tools import convert, file_path
from odoo.tools.translate import TranslationImporter, get_po_paths

_logger = logging.getLogger(__name__)

MODULE = "odoo_addon_complaints"
VERSION = "18.0.1.2.0"

# -- SCAR events ----------------------------------------------------------------------

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


# -- the acknowledgement template -----------------------------------------------------

TEMPLATE = "mail_template_complaint_acknowledgement"
TEMPLATE_FILE = f"{MODULE}/data/mail_template_data.xml"
OLD_TZ = "tz=object.user_id.tz or object.company_id.partner_id.tz or 'UTC'"
NEW_TZ = "tz=object.company_id.complaints_tz"
#: The body as 18.0.1.0.0 and the first 18.0.1.1.0 shipped it, in English
#: (data/mail_template_data.xml) and Simplified Chinese (i18n/zh_CN.po). They
#: are compared with runs of white space collapsed. The current wording
#: differs only in the time zone of the promised reply date (OLD_TZ, NEW_TZ).
OLD_BODIES = (
    """
<div style="margin: 0px; padding: 0px;">
    <p style="margin: 0px; padding: 0px; font-size: 13px;">
        Dear <t t-out="(object.contact_id or object.partner_id).name or ''">Customer</t>,
        <br/><br/>
        Thank you for letting us know. We have registered your complaint under the number
        <strong t-out="object.name or ''">202611-0001</strong>
        (<t t-out="object.subject or ''">subject</t>).
        <br/><br/>
        <t t-set="reply_deadline" t-value="object.deadline_ids.filtered(lambda d: d.kind == 'reply')[:1]"/>
        <t t-if="reply_deadline">
            We will send you our answer by
            <strong t-out="format_datetime(reply_deadline.date_due, tz=object.user_id.tz or object.company_id.partner_id.tz or 'UTC', dt_format='medium')">the promised date</strong>.
            <br/><br/>
        </t>
        Please quote this number in all further correspondence.
        <br/><br/>
        Best regards,
        <br/>
        <t t-out="object.user_id.name or object.company_id.name or ''">Quality team</t>
    </p>
</div>
""",
    """
<div style="margin: 0px; padding: 0px;">
    <p style="margin: 0px; padding: 0px; font-size: 13px;">
        尊敬的<t t-out="(object.contact_id or object.partner_id).name or ''">客户</t>：
        <br/><br/>
        感谢您的反馈。我们已受理您的投诉，投诉编号为
        <strong t-out="object.name or ''">202611-0001</strong>
        （<t t-out="object.subject or ''">主题</t>）。
        <br/><br/>
        <t t-set="reply_deadline" t-value="object.deadline_ids.filtered(lambda d: d.kind == 'reply')[:1]"/>
        <t t-if="reply_deadline">
            我们将在
            <strong t-out="format_datetime(reply_deadline.date_due, tz=object.user_id.tz or object.company_id.partner_id.tz or 'UTC', dt_format='medium')">承诺日期</strong>之前给您答复。
            <br/><br/>
        </t>
        今后的所有往来函件中，请注明此编号。
        <br/><br/>
        顺祝商祺！
        <br/>
        <t t-out="object.user_id.name or object.company_id.name or ''">质量部</t>
    </p>
</div>
""",
)


def _collapsed(text):
    return " ".join((text or "").split())


OLD_WORDING = {_collapsed(body) for body in OLD_BODIES}
CURRENT_WORDING = {_collapsed(body.replace(OLD_TZ, NEW_TZ)) for body in OLD_BODIES}


def _reload_body_from_data_file(env):
    """Load the template's body_html, and nothing else of the data file, as an install loads it."""
    path = file_path(TEMPLATE_FILE)
    record = etree.parse(path).getroot().find(f".//record[@id='{TEMPLATE}']")
    for field in list(record.iterchildren("field")):
        if field.get("name") != "body_html":
            record.remove(field)
    root = etree.Element("odoo")
    root.append(record)
    # mode "init" writes although the xmlid is noupdate; noupdate=True keeps the flag as it is.
    convert.xml_import(env, MODULE, {}, mode="init", noupdate=True, xml_filename=path).parse(root)
    env.flush_all()


def _reload_translations(env, template, langs):
    """Take the body of ``langs`` from the module's .po files, for this template only; a
    language without a translation is dropped so that it shows the English body, as after an install."""
    importer = TranslationImporter(env.cr, verbose=False)
    for lang in langs:
        for po_path in get_po_paths(MODULE, lang):
            importer.load_file(po_path, lang, xmlids={f"{MODULE}.{TEMPLATE}"})
    importer.save(overwrite=True, force_overwrite=True)
    env.cr.execute("SELECT body_html FROM mail_template WHERE id = %s", (template.id,))
    bodies = env.cr.fetchone()[0] or {}
    untranslated = [lang for lang in langs if _collapsed(bodies.get(lang)) in OLD_WORDING]
    if untranslated:
        env.cr.execute(
            "UPDATE mail_template SET body_html = body_html - %s::text[] WHERE id = %s",
            (untranslated, template.id),
        )
    env.invalidate_all()


def _update_acknowledgement_template(env):
    template = env.ref(f"{MODULE}.{TEMPLATE}", raise_if_not_found=False)
    if not template:
        _logger.info("mail template %s is gone: nothing to update", TEMPLATE)
        return
    env.cr.execute("SELECT body_html FROM mail_template WHERE id = %s", (template.id,))
    bodies = env.cr.fetchone()[0] or {}
    old = sorted(lang for lang, body in bodies.items() if _collapsed(body) in OLD_WORDING)
    customised = sorted(
        lang for lang, body in bodies.items() if lang not in old and _collapsed(body) not in CURRENT_WORDING
    )
    if customised:
        if old or any(NEW_TZ not in _collapsed(bodies[lang]) for lang in customised):
            _logger.warning(
                "mail template %s (%s) was changed after it was installed (language %s): its body is left as "
                "it is. The shipped body now prints the promised reply date in the company's time zone of "
                "complaint dates (%s) instead of %s: make the same change by hand if it applies.",
                TEMPLATE,
                template.name,
                ", ".join(customised),
                NEW_TZ,
                OLD_TZ,
            )
        return
    if not old:
        return
    if "en_US" in old:
        _reload_body_from_data_file(env)
    translated = [lang for lang in old if lang != "en_US"]
    if translated:
        _reload_translations(env, template, translated)
    _logger.info(
        "mail template %s: body as shipped before in %s, now the current one (reply date in the company's time zone)",
        TEMPLATE,
        ", ".join(old),
    )


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    _rewrite_scar_events(cr)
    _update_acknowledgement_template(env)
