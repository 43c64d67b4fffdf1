# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from .quality_regulatory_rule import EVENT_CLASSES

_lt = LazyTranslate(__name__)


class QualityAdverseEventDecision(models.Model):
    """Whether an adverse event is reportable in one market, and by when.

    The due date comes from the market's reporting rules (data), counted from
    the company's local awareness day, on the company's working calendar for
    rules that count work days.
    """

    _name = "quality.adverse.event.decision"
    _inherit = ["quality.guarded.mixin"]
    _description = "Reportability Decision"
    _order = "adverse_event_id, due_date, id"
    _guarded_fields = {"decided_by_id": _lt("setting Reportable"), "decided_on": _lt("setting Reportable")}

    adverse_event_id = fields.Many2one(
        "quality.adverse.event", required=True, ondelete="cascade", index=True, help="Evaluated event."
    )
    company_id = fields.Many2one(
        related="adverse_event_id.company_id", store=True, index=True, help="Company."
    )
    market_id = fields.Many2one(
        "quality.regulatory.market", required=True, ondelete="restrict", help="Market."
    )
    reportable = fields.Selection(
        [("pending", "To Decide"), ("yes", "Reportable"), ("no", "Not Reportable")],
        default="pending",
        required=True,
        help="Reportable: a report must be filed in this market by the due date.",
    )
    event_class = fields.Selection(
        EVENT_CLASSES,
        compute="_compute_event_class",
        store=True,
        readonly=False,
        help="Event class under this market's law; it follows the evaluation unless changed here.",
    )
    remedial_action = fields.Boolean(
        compute="_compute_event_class",
        store=True,
        readonly=False,
        help="Remedial action needed or the regulator asked: may shorten the deadline (US: five work days).",
    )
    rule_id = fields.Many2one(
        "quality.regulatory.rule",
        string="Applied Rule",
        compute="_compute_due_date",
        store=True,
        help="Strictest reporting rule that applies.",
    )
    due_date = fields.Datetime(
        compute="_compute_due_date", store=True, help="When the initial report is due at the latest."
    )
    rationale = fields.Text(help="Why the event is or is not reportable here; required when not reportable.")
    decided_by_id = fields.Many2one("res.users", readonly=True, help="Who decided.")
    decided_on = fields.Datetime(readonly=True, help="When it was decided.")
    report_ids = fields.One2many(
        "quality.regulatory.report", "decision_id", string="Reports", help="Reports filed for this market."
    )

    _sql_constraints = [
        ("market_unique", "unique(adverse_event_id, market_id)", "One reportability decision per market."),
    ]

    @api.depends("adverse_event_id.name", "market_id.name", "reportable")
    def _compute_display_name(self):
        labels = dict(self._fields["reportable"]._description_selection(self.env))
        for decision in self:
            decision.display_name = f"{decision.adverse_event_id.name} - {decision.market_id.name}: {labels.get(decision.reportable, '')}"

    @api.depends("adverse_event_id.classification", "adverse_event_id.remedial_action")
    def _compute_event_class(self):
        for decision in self:
            decision.event_class = decision.adverse_event_id.classification
            decision.remedial_action = decision.adverse_event_id.remedial_action

    @api.depends(
        "event_class",
        "remedial_action",
        "adverse_event_id.date_awareness",
        "reportable",
        "market_id.rule_ids.duration",
        "market_id.rule_ids.unit",
        "market_id.rule_ids.event_class",
        "market_id.rule_ids.remedial_action_only",
        "market_id.rule_ids.active",
    )
    def _compute_due_date(self):
        for decision in self:
            awareness = decision.adverse_event_id.date_awareness
            rules = decision.market_id.rule_ids.filtered(
                lambda rule: rule._applies_to(decision.event_class, decision.remedial_action)
            )
            if decision.reportable == "no" or not awareness or not rules:
                decision.rule_id = False
                decision.due_date = False
                continue
            company = decision.adverse_event_id.company_id
            due_by_rule = [(rule._report_due_date(awareness, company), rule.id) for rule in rules]
            due, rule_id = min(due_by_rule)
            decision.rule_id = rule_id
            decision.due_date = due

    @api.constrains("reportable", "rationale")
    def _check_rationale(self):
        for decision in self:
            if decision.reportable == "no" and not (decision.rationale or "").strip():
                raise ValidationError(
                    self.env._(
                        "Adverse event %(event)s, %(market)s: explain why the event is not reportable.",
                        event=decision.adverse_event_id.name,
                        market=decision.market_id.name,
                    )
                )

    def write(self, vals):
        if "reportable" in vals:
            if not self.env.user.has_group("odoo_addon_complaints.group_regulatory_user"):
                raise UserError(
                    self.env._("Only vigilance staff decide whether an adverse event is reportable.")
                )
        return super().write(vals)

    def _guarded_side_values(self, vals):
        if "reportable" not in vals:
            return {}
        return {"decided_by_id": self.env.user.id, "decided_on": fields.Datetime.now()}

    def action_create_report(self):
        """Open the initial report of this market, with the form and due date filled in."""
        self.ensure_one()
        if self.reportable != "yes":
            raise UserError(
                self.env._(
                    "%(market)s: the event is not decided reportable; no initial report.",
                    market=self.market_id.name,
                )
            )
        report = self.env["quality.regulatory.report"].create(
            {
                "adverse_event_id": self.adverse_event_id.id,
                "decision_id": self.id,
                "market_id": self.market_id.id,
                "form_id": self.market_id.form_id.id,
                "report_type": "initial",
                "date_due": self.due_date,
            }
        )
        return report.get_formview_action()
