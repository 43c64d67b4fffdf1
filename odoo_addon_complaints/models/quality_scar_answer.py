# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The supplier's answers to a SCAR: one path for the sync agent and the supplier portal.

An answer to a requested step carries a summary, the step as the portal sent
it (``report``) and, structured in our terms, D3 containment actions
(``containment``: what, where, how many checked and found ...), D4 root causes
(``causes``: kind, level, description ...) and D5-D7 actions (``actions``).
The agent reads them out of the partner's format with the mapping's
``answers:`` block (mappings/supplier_portal_report8d.yaml); the portal form
gives them as they are. They become rows of the SCAR
(``quality.scar.containment``, ``quality.scar.cause``, ``quality.scar.action``),
proposed until staff accept or reject the step.
"""

from datetime import datetime, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError

from .quality_guarded_mixin import checked_action
from .quality_root_cause_mixin import CAUSE_KINDS, CAUSE_LEVELS
from .quality_scar_action import ACTION_STATUSES, ACTION_STEPS
from .quality_scar_containment import CONTAINMENT_PLACES


class QualityScar(models.Model):
    _inherit = "quality.scar"

    supplier_containment_ids = fields.One2many(
        "quality.scar.containment",
        "scar_id",
        string="Supplier's Containment",
        readonly=True,
        help="D3 containment actions the supplier answered: proposed until the step is accepted or rejected.",
    )
    supplier_cause_ids = fields.One2many(
        "quality.scar.cause",
        "scar_id",
        string="Supplier's Root Causes",
        readonly=True,
        help="D4 root causes the supplier answered: proposed until the step is accepted or rejected.",
    )
    supplier_action_ids = fields.One2many(
        "quality.scar.action",
        "scar_id",
        string="Supplier's Actions",
        readonly=True,
        help="D5-D7 actions the supplier answered: proposed until the step is accepted or rejected.",
    )

    @api.model
    def sync_apply_supplier_answer(self, scar_ref, answer):
        """Record one supplier answer to one step, validated first and applied whole or not at all.

        Returns ``{"status": "applied" | "duplicate"}``; a bad answer raises
        UserError with the reason, which the agent records as a rejection.
        """
        self.env["quality.sync.event"]._check_sync_access()
        return self._apply_supplier_answer(scar_ref, answer)

    @api.model
    def _apply_supplier_answer(self, scar_ref, answer):
        """The one path of a supplier's answer, whether the sync agent or the supplier portal brings it."""
        scar = self.sudo().search([("name", "=", scar_ref)], limit=1)
        if not scar:
            raise UserError(self.env._("Unknown SCAR %(scar)s.", scar=scar_ref))
        if not isinstance(answer, dict):
            raise UserError(self.env._("SCAR %(scar)s: the answer must be an object.", scar=scar_ref))
        answer_id = answer.get("answer_id")
        code = answer.get("step")
        if not answer_id:
            raise UserError(self.env._("SCAR %(scar)s: the answer has no answer_id.", scar=scar_ref))
        duplicate = scar.step_ids.filtered(lambda step: step.answer_id == answer_id)
        if duplicate or answer_id in (scar.refused_answer_ids or "").split():
            return {"status": "duplicate", "step": duplicate.code or None}
        if answer.get("status") == "rejected":
            return scar._record_refused_answer(answer)
        if scar.state not in ("open", "supplier_answered"):
            raise UserError(
                self.env._(
                    "SCAR %(scar)s is %(state)s and takes no answers.", scar=scar_ref, state=scar.state
                )
            )
        step = scar.step_ids.filtered(lambda s: s.code == code)
        if not step:
            raise UserError(
                self.env._("SCAR %(scar)s: step %(step)s was not requested.", scar=scar_ref, step=code)
            )
        if step.state == "accepted":
            raise UserError(
                self.env._("SCAR %(scar)s: step %(step)s is already accepted.", scar=scar_ref, step=code)
            )
        summary = (answer.get("summary") or "").strip()
        containment = scar._answer_containment_values(step, answer.get("containment"))
        causes = scar._answer_cause_values(step, answer.get("causes"))
        actions = scar._answer_action_values(step, answer.get("actions"))
        if not summary and not answer.get("report") and not containment and not causes and not actions:
            raise UserError(
                self.env._("SCAR %(scar)s, step %(step)s: the answer is empty.", scar=scar_ref, step=code)
            )
        submitted_at = answer.get("submitted_at")
        try:
            date_answered = self._utc_datetime(submitted_at) if submitted_at else False
        except (TypeError, ValueError):
            raise UserError(
                self.env._(
                    "SCAR %(scar)s, step %(step)s: submitted_at %(value)r is not a date-time.",
                    scar=scar_ref,
                    step=code,
                    value=submitted_at,
                )
            ) from None
        with checked_action():
            step.write(
                {
                    "state": "answered",
                    "answer_id": answer_id,
                    "answer_summary": summary,
                    "answer_report": answer.get("report") or {},
                    "answer_author": answer.get("author") or False,
                    "date_answered": date_answered or fields.Datetime.now(),
                    "reject_reason": False,
                }
            )
        # A new answer replaces the step's answer still waiting for review; rejected rows stay.
        for rows in step._answer_row_sets():
            rows.filtered(lambda row: row.state == "proposed").unlink()
        row_values = {"scar_id": scar.id, "step_id": step.id, "answer_id": answer_id}
        self.env["quality.scar.containment"].sudo().create(
            [{**row_values, **values} for values in containment]
        )
        self.env["quality.scar.cause"].sudo().create([{**row_values, **values} for values in causes])
        self.env["quality.scar.action"].sudo().create([{**row_values, **values} for values in actions])
        if answer.get("supplier_complaint_id") and not scar.supplier_complaint_ref:
            scar.supplier_complaint_ref = answer["supplier_complaint_id"]
        scar._refresh_state()
        scar.message_post(
            body=self.env._(
                "The supplier answered %(step)s: %(summary)s (%(containment)s containment actions, "
                "%(causes)s root causes, %(actions)s actions)",
                step=code,
                summary=summary or "-",
                containment=len(containment),
                causes=len(causes),
                actions=len(actions),
            ),
            subtype_xmlid="mail.mt_note",
        )
        if scar.user_id:
            scar.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Review the supplier's %(step)s of %(scar)s", step=code, scar=scar.name),
                user_id=scar.user_id.id,
            )
        return {"status": "applied", "step": code}

    def _answer_rows(self, step, rows, what):
        if rows in (None, False):
            return []
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise UserError(
                self.env._(
                    "SCAR %(scar)s, step %(step)s: %(what)s must be a list of objects.",
                    scar=self.name,
                    step=step.code,
                    what=what,
                )
            )
        return rows

    def _answer_refusal(self, step, what, index, message):
        return UserError(
            self.env._(
                "SCAR %(scar)s, step %(step)s, %(what)s %(row)s: %(message)s",
                scar=self.name,
                step=step.code,
                what=what,
                row=index + 1,
                message=message,
            )
        )

    def _answer_date(self, step, what, index, value):
        if not value:
            return False
        try:
            return fields.Date.to_date(value)
        except (TypeError, ValueError):
            raise self._answer_refusal(
                step, what, index, self.env._("%(value)r is not a date (YYYY-MM-DD).", value=value)
            ) from None

    @staticmethod
    def _answer_choice(value, choices):
        return value if value in dict(choices) else None

    def _answer_quantity(self, step, what, index, name, value):
        if value in (None, ""):
            return 0.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self._answer_refusal(
                step,
                what,
                index,
                self.env._("%(name)s must be a number of parts, not %(value)r.", name=name, value=value),
            )
        return float(value)

    def _answer_percentage(self, step, what, index, value):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100
        ):
            raise self._answer_refusal(
                step, what, index, self.env._("effectiveness must be 0-100, not %(value)r.", value=value)
            )
        return int(value or 0)

    def _answer_containment_values(self, step, rows):
        """Values of the containment actions of an answer, checked; only a D3 answer names them."""
        rows = self._answer_rows(step, rows, "containment")
        if rows and step.code != "D3":
            raise UserError(
                self.env._(
                    "SCAR %(scar)s: containment actions answer step D3, not %(step)s.",
                    scar=self.name,
                    step=step.code,
                )
            )
        values = []
        for index, row in enumerate(rows):
            what = self.env._("containment action")
            action = (row.get("action") or "").strip()
            proof = (row.get("proof") or "").strip()
            if not action and not proof:
                raise self._answer_refusal(
                    step, what, index, self.env._("say what was done, or how it was proven.")
                )
            place = row.get("place")
            if place and not self._answer_choice(place, CONTAINMENT_PLACES):
                raise self._answer_refusal(
                    step,
                    what,
                    index,
                    self.env._(
                        "unknown place %(place)r (known: %(known)s).",
                        place=place,
                        known=", ".join(dict(CONTAINMENT_PLACES)),
                    ),
                )
            checked = self._answer_quantity(step, what, index, "checked", row.get("checked"))
            found = self._answer_quantity(step, what, index, "nonconforming", row.get("nonconforming"))
            if checked and found > checked:
                raise self._answer_refusal(
                    step,
                    what,
                    index,
                    self.env._(
                        "more parts nonconforming (%(found)s) than checked (%(checked)s).",
                        found=found,
                        checked=checked,
                    ),
                )
            values.append(
                {
                    "sequence": index + 1,
                    "name": action or False,
                    "place": place or False,
                    "qty_checked": checked,
                    "qty_nonconforming": found,
                    "responsible": row.get("responsible") or False,
                    "date_introduced": self._answer_date(step, what, index, row.get("date")),
                    "proof": proof or False,
                    "method": row.get("method") or False,
                    "risk": row.get("risk") or False,
                    "effectiveness": self._answer_percentage(step, what, index, row.get("effectiveness")),
                }
            )
        return values

    def _answer_cause_values(self, step, rows):
        """Values of the root causes of an answer, checked; only a D4 answer names causes."""
        rows = self._answer_rows(step, rows, "causes")
        if rows and step.code != "D4":
            raise UserError(
                self.env._(
                    "SCAR %(scar)s: root causes answer step D4, not %(step)s.", scar=self.name, step=step.code
                )
            )
        values = []
        for index, row in enumerate(rows):
            kind = self._answer_choice(row.get("kind"), CAUSE_KINDS)
            level = self._answer_choice(row.get("level"), CAUSE_LEVELS)
            description = (row.get("description") or "").strip()
            if not kind or not level or not description:
                raise self._answer_refusal(
                    step,
                    self.env._("root cause"),
                    index,
                    self.env._(
                        "give the kind (occurrence or non_detection), the level (technical or systemic) "
                        "and the description; got %(kind)r, %(level)r, %(description)r.",
                        kind=row.get("kind"),
                        level=row.get("level"),
                        description=description,
                    ),
                )
            values.append(
                {
                    "sequence": index + 1,
                    "cause_kind": kind,
                    "cause_level": level,
                    "description": description,
                    "date_clarified": self._answer_date(
                        step, self.env._("root cause"), index, row.get("clarified_on")
                    ),
                    "verification": row.get("method") or False,
                    "verified_by": row.get("verified_by") or False,
                    "hypothesis_result": row.get("result") or False,
                }
            )
        return values

    def _answer_action_values(self, step, rows):
        """Values of the actions of an answer, checked. An action belongs to the step it
        names (D5-D7), else to the answered step, which must then be one of them."""
        rows = self._answer_rows(step, rows, "actions")
        values = []
        for index, row in enumerate(rows):
            what = self.env._("action")
            eight_d_step = self._answer_choice(row.get("step") or step.code, ACTION_STEPS)
            if not eight_d_step:
                raise self._answer_refusal(
                    step,
                    what,
                    index,
                    self.env._(
                        "actions belong to D5, D6 or D7, not %(step)s.", step=row.get("step") or step.code
                    ),
                )
            name = (row.get("action") or "").strip()
            if not name:
                raise self._answer_refusal(step, what, index, self.env._("say what the action is."))
            status = row.get("status") or "open"
            if not self._answer_choice(status, ACTION_STATUSES):
                raise self._answer_refusal(
                    step, what, index, self.env._("unknown status %(status)r.", status=status)
                )
            effectiveness = self._answer_percentage(step, what, index, row.get("effectiveness"))
            values.append(
                {
                    "sequence": index + 1,
                    "eight_d_step": eight_d_step,
                    "name": name,
                    "responsible": row.get("responsible") or False,
                    "date_planned": self._answer_date(step, what, index, row.get("date")),
                    "status": status,
                    "proof": row.get("proof") or False,
                    "effectiveness": effectiveness,
                }
            )
        return values

    @staticmethod
    def _utc_datetime(value):
        """Naive UTC datetime from an ISO 8601 text; a time without zone is taken as UTC."""
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment.replace(microsecond=0)

    def _record_refused_answer(self, answer):
        """The agent refused an answer from the portal: show why on the SCAR, once."""
        self.ensure_one()
        self.refused_answer_ids = f"{self.refused_answer_ids or ''} {answer['answer_id']}".strip()
        self.message_post(
            body=self.env._(
                "An answer from the supplier portal was refused and not recorded: %(reason)s. Received: %(raw)s",
                reason=answer.get("reject_reason") or "-",
                raw=(answer.get("raw_json") or "")[:2000],
            ),
            subtype_xmlid="mail.mt_note",
        )
        if self.user_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Check a refused supplier answer on %s", self.name),
                user_id=self.user_id.id,
            )
        return {"status": "refused_recorded"}
