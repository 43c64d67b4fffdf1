# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

ANSWERS = [("no", "No"), ("yes", "Yes")]
AE_QUESTIONS = ("ae_death", "ae_serious_injury", "ae_malfunction")


class QualityComplaint(models.Model):
    """The three vigilance questions asked of every complaint on a medical device.

    A yes opens the adverse-event evaluation, where vigilance staff decide
    whether and where the event must be reported.
    """

    _inherit = "quality.complaint"

    is_medical_device = fields.Boolean(
        string="On a Medical Device",
        compute="_compute_is_medical_device",
        store=True,
        help="A complained product is a medical device: the vigilance questions apply.",
    )
    ae_death = fields.Selection(
        ANSWERS,
        string="Death Involved?",
        tracking=True,
        help="Did the event lead, or might it have led, to the death of a patient, user or other person?",
    )
    ae_serious_injury = fields.Selection(
        ANSWERS,
        string="Serious Injury Involved?",
        tracking=True,
        help="Did the event lead, or might it have led, to a serious deterioration of someone's health?",
    )
    ae_malfunction = fields.Selection(
        ANSWERS,
        string="Malfunction Involved?",
        tracking=True,
        help="Did the device fail or deteriorate in a way that could cause death or serious injury if it recurred?",
    )
    adverse_event_ids = fields.One2many(
        "quality.adverse.event", "complaint_id", string="Adverse Events", help="Adverse-event evaluations."
    )
    adverse_event_count = fields.Integer(
        compute="_compute_adverse_event_count", help="Number of evaluations."
    )

    @api.depends("line_ids.product_id.is_medical_device")
    def _compute_is_medical_device(self):
        for complaint in self:
            complaint.is_medical_device = any(complaint.line_ids.product_id.mapped("is_medical_device"))

    @api.depends("adverse_event_ids")
    def _compute_adverse_event_count(self):
        for complaint in self:
            complaint.adverse_event_count = len(complaint.adverse_event_ids)

    @api.model_create_multi
    def create(self, vals_list):
        complaints = super().create(vals_list)
        complaints._open_adverse_event_evaluation()
        return complaints

    def write(self, vals):
        result = super().write(vals)
        if any(vals.get(question) == "yes" for question in AE_QUESTIONS) or "line_ids" in vals:
            self._open_adverse_event_evaluation()
        return result

    def _needs_adverse_event_evaluation(self):
        self.ensure_one()
        return (
            self.is_medical_device
            and not self.adverse_event_ids
            and any(self[question] == "yes" for question in AE_QUESTIONS)
        )

    def _open_adverse_event_evaluation(self):
        """A yes on a medical device opens the evaluation, whoever answered."""
        for complaint in self.filtered(lambda c: c._needs_adverse_event_evaluation()):
            event = self.env["quality.adverse.event"].sudo()._from_complaint(complaint)
            complaint.message_post(body=self.env._("Adverse-event evaluation %s opened.", event.name))

    def action_view_adverse_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_addon_complaints.action_quality_adverse_event"
        )
        action["domain"] = [("complaint_id", "=", self.id)]
        action["context"] = {"default_complaint_id": self.id}
        if len(self.adverse_event_ids) == 1:
            action.update(view_mode="form", res_id=self.adverse_event_ids.id, views=[(False, "form")])
        return action
