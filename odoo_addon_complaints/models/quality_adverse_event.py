# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action
from .quality_regulatory_rule import EVENT_CLASSES

PATIENT_GROUP = "odoo_addon_complaints.group_regulatory_user"


def _codes_field(annex, string, help_text):
    return fields.Many2many(
        "quality.imdrf.code",
        f"quality_adverse_event_imdrf_{annex.lower()}_rel",
        "adverse_event_id",
        "code_id",
        string=string,
        domain=[("annex", "=", annex)],
        help=help_text,
    )


_lt = LazyTranslate(__name__)


class QualityAdverseEvent(models.Model):
    """The evaluation of a complaint that may be a reportable adverse event.

    Opened when a complaint on a medical device involves a death, a serious
    injury or a malfunction. It holds what every regulator asks (patient,
    event, IMDRF codes, investigation) once, and decides reportability per
    market; the regulator reports are rendered from it.
    """

    _name = "quality.adverse.event"
    _description = "Adverse Event Evaluation"
    _sequence_code = "quality.adverse.event"
    _inherit = ["quality.numbered.mixin", "mail.thread", "mail.activity.mixin", "quality.guarded.mixin"]
    _order = "date_awareness desc, id desc"
    _guarded_fields = {"state": _lt("Decided / Close / Reopen")}
    _check_company_auto = True

    complaint_id = fields.Many2one(
        "quality.complaint",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
        help="Complaint the event was reported in.",
    )
    company_id = fields.Many2one(related="complaint_id.company_id", store=True, index=True, help="Company.")
    user_id = fields.Many2one(
        "res.users",
        string="Vigilance Officer",
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        help="Person who evaluates the event and files the reports.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Device",
        required=True,
        domain=[("is_medical_device", "=", True)],
        help="Medical device involved.",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        domain="[('product_id', '=', product_id)]",
        help="Lot or serial of the device.",
    )
    state = fields.Selection(
        [("draft", "Evaluating"), ("decided", "Decided"), ("closed", "Closed")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        help="Decided: reportability is decided for every market; Closed: every report is filed.",
    )
    classification = fields.Selection(
        EVENT_CLASSES,
        required=True,
        tracking=True,
        help="Most serious class of the event; it selects the reporting deadline in each market.",
    )
    remedial_action = fields.Boolean(
        tracking=True,
        help="Remedial action is needed to prevent an unreasonable risk of substantial harm, or a regulator "
        "asked for the report (US: five-work-day report).",
    )
    date_event = fields.Date(string="Event Date", help="When the event happened (first day if it lasted).")
    date_event_end = fields.Date(string="Event End Date", help="Last day of the event, if it lasted.")
    date_awareness = fields.Datetime(
        string="Awareness",
        required=True,
        tracking=True,
        default=fields.Datetime.now,
        help="When the company first learnt of the event: reporting deadlines run from here.",
    )
    date_awareness_local = fields.Date(
        string="Awareness Date",
        compute="_compute_date_awareness_local",
        help="Calendar day of the awareness in the company's time zone (Settings > Companies > Vigilance): "
        "the date written on regulator reports and the day reporting deadlines count from.",
    )
    death_date = fields.Date(help="Date of death, if the patient died.")
    outcome_ids = fields.Many2many("quality.adverse.event.outcome", help="Consequences for the patient.")
    narrative = fields.Text(required=True, help="What happened, in plain words, without patient identifiers.")
    place_of_use = fields.Selection(
        [("hospital", "Hospital"), ("clinic", "Clinic or Practice"), ("home", "Home"), ("other", "Other")],
        help="Where the device was used.",
    )
    country_id = fields.Many2one(
        "res.country", string="Country of Event", help="Country where the event occurred."
    )
    patients_involved = fields.Integer(
        default=1, help="Number of patients affected (a group event has several)."
    )
    device_location = fields.Selection(
        [
            ("with_manufacturer", "Returned to Manufacturer"),
            ("at_facility", "At the Healthcare Facility"),
            ("with_patient", "With the Patient"),
            ("discarded", "Discarded"),
            ("unknown", "Unknown"),
        ],
        default="unknown",
        help="Where the device is now.",
    )
    reporter_role = fields.Selection(
        [
            ("healthcare_professional", "Healthcare Professional"),
            ("patient", "Patient or Lay User"),
            ("user_facility", "User Facility"),
            ("distributor", "Distributor"),
            ("manufacturer_employee", "Manufacturer Employee"),
            ("other", "Other"),
        ],
        default="healthcare_professional",
        required=True,
        help="Role of the person who reported the event to us.",
    )
    reporter_organization = fields.Char(help="Facility or company of the initial reporter.")
    reporter_country_id = fields.Many2one("res.country", help="Country of the initial reporter.")
    # Patient data: the minimum regulators need, never a name, visible to vigilance staff only.
    patient_code = fields.Char(
        groups=PATIENT_GROUP, help="Non-identifying patient code (initials or facility code)."
    )
    patient_age = fields.Integer(groups=PATIENT_GROUP, help="Age at the time of the event.")
    patient_age_unit = fields.Selection(
        [("year", "Years"), ("month", "Months"), ("week", "Weeks"), ("day", "Days")],
        default="year",
        groups=PATIENT_GROUP,
        help="Unit of the age.",
    )
    patient_sex = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("unknown", "Unknown")],
        default="unknown",
        groups=PATIENT_GROUP,
        help="Sex of the patient.",
    )
    patient_weight = fields.Float(
        string="Weight (kg)", groups=PATIENT_GROUP, help="Weight in kilograms, if known."
    )
    relatedness = fields.Selection(
        [
            ("certain", "Certain"),
            ("probable", "Probable"),
            ("possible", "Possible"),
            ("unlikely", "Unlikely"),
            ("unrelated", "Not Related"),
            ("unassessable", "Cannot Be Assessed"),
        ],
        help="How likely the device caused or contributed to the event (关联性评价).",
    )
    device_problem_code_ids = _codes_field("A", "Device Problem (Annex A)", "IMDRF device problem codes.")
    investigation_type_code_ids = _codes_field(
        "B", "Type of Investigation (Annex B)", "IMDRF investigation type codes."
    )
    investigation_finding_code_ids = _codes_field(
        "C", "Investigation Findings (Annex C)", "IMDRF finding codes."
    )
    investigation_conclusion_code_ids = _codes_field(
        "D", "Investigation Conclusion (Annex D)", "IMDRF conclusion codes."
    )
    health_effect_clinical_code_ids = _codes_field(
        "E",
        "Clinical Signs and Symptoms (Annex E)",
        "IMDRF health effect codes: clinical signs, symptoms, conditions.",
    )
    health_effect_impact_code_ids = _codes_field("F", "Health Impact (Annex F)", "IMDRF health impact codes.")
    component_code_ids = _codes_field("G", "Component (Annex G)", "IMDRF device component codes.")
    preliminary_analysis = fields.Text(help="Manufacturer's preliminary analysis (initial reports).")
    initial_corrective_action = fields.Text(help="Corrective or preventive action taken or planned so far.")
    further_investigations = fields.Text(help="Investigations still to be done, and when.")
    root_cause = fields.Text(help="Root cause found by the investigation (final reports).")
    root_cause_confirmed = fields.Boolean(help="The root cause was confirmed.")
    risk_assessment_reviewed = fields.Boolean(help="The risk assessment was reviewed after the event.")
    corrective_action = fields.Text(help="Final corrective action.")
    final_comments = fields.Text(help="Manufacturer's final comments.")
    decision_ids = fields.One2many(
        "quality.adverse.event.decision",
        "adverse_event_id",
        string="Reportability",
        help="Whether the event is reportable in each market, and by when.",
    )
    report_ids = fields.One2many(
        "quality.regulatory.report",
        "adverse_event_id",
        string="Regulator Reports",
        help="Reports filed or to file.",
    )
    report_count = fields.Integer(compute="_compute_report_count", help="Number of regulator reports.")
    next_due_date = fields.Datetime(
        compute="_compute_next_due_date",
        store=True,
        help="Earliest due date of the reportable markets whose reports are not submitted yet.",
    )

    @api.model
    def _sequence_company(self, vals):
        complaint = self.env["quality.complaint"].browse(vals.get("complaint_id"))
        return complaint.company_id or super()._sequence_company(vals)

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._create_market_decisions()
        return events

    @api.depends("date_awareness", "company_id")
    def _compute_date_awareness_local(self):
        for event in self:
            event.date_awareness_local = event.company_id._complaints_local_date(event.date_awareness)

    @api.depends("report_ids")
    def _compute_report_count(self):
        for event in self:
            event.report_count = len(event.report_ids)

    @api.depends("decision_ids.due_date", "decision_ids.reportable", "decision_ids.report_ids.state")
    def _compute_next_due_date(self):
        for event in self:
            open_due = [
                decision.due_date
                for decision in event.decision_ids
                if decision.reportable == "yes"
                and decision.due_date
                and not decision.report_ids.filtered(lambda r: r.state in ("submitted", "acknowledged"))
            ]
            event.next_due_date = min(open_due, default=False)

    def _create_market_decisions(self):
        """One decision per market the device is registered in (every active market if none)."""
        for event in self:
            registrations = event.product_id.product_tmpl_id.device_registration_ids
            # No registration: every active market must decide (a short configuration list).
            market_model = self.env["quality.regulatory.market"]
            markets = registrations.market_id or market_model.search([])  # pylint: disable=no-search-all
            missing = markets - event.decision_ids.market_id
            self.env["quality.adverse.event.decision"].create(
                [{"adverse_event_id": event.id, "market_id": market.id} for market in missing]
            )

    @api.model
    def _from_complaint(self, complaint):
        """Open the evaluation of ``complaint``, prefilled from what it already says."""
        line = complaint.line_ids.filtered(lambda line: line.product_id.is_medical_device)[:1]
        if not line:
            raise UserError(
                self.env._(
                    "Complaint %s: no complained product is a medical device; no adverse-event evaluation.",
                    complaint.name,
                )
            )
        if complaint.ae_death == "yes":
            classification = "death"
        elif complaint.ae_serious_injury == "yes":
            classification = "serious_injury"
        else:
            classification = "malfunction"
        return self.create(
            {
                "complaint_id": complaint.id,
                "product_id": line.product_id.id,
                "lot_id": line.lot_id.id,
                "classification": classification,
                "date_awareness": complaint.date_received,
                "narrative": html2plaintext(complaint.description or "") or complaint.subject,
                "reporter_organization": complaint.partner_id.commercial_partner_id.name,
                "reporter_country_id": complaint.partner_id.country_id.id,
                "country_id": complaint.partner_id.country_id.id,
                "user_id": complaint.user_id.id or self.env.user.id,
            }
        )

    def action_decide(self):
        for event in self:
            event._refuse_for_markets(
                event.decision_ids.filtered(lambda d: d.reportable == "pending"),
                self.env._("Adverse event %(event)s: decide reportability for %(markets)s first."),
            )
        with checked_action():
            self.write({"state": "decided"})

    def action_close(self):
        for event in self:
            event._refuse_for_markets(
                event.decision_ids.filtered(
                    lambda d: (
                        d.reportable == "yes"
                        and not d.report_ids.filtered(lambda r: r.state in ("submitted", "acknowledged"))
                    )
                ),
                self.env._("Adverse event %(event)s: reports for %(markets)s are not submitted yet."),
            )
        with checked_action():
            self.write({"state": "closed"})

    def _refuse_for_markets(self, decisions, message):
        if decisions:
            raise UserError(
                message % {"event": self.name, "markets": ", ".join(decisions.market_id.mapped("name"))}
            )

    def action_reopen(self):
        with checked_action():
            self.write({"state": "draft"})

    def action_view_reports(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "odoo_addon_complaints.action_quality_regulatory_report"
        )
        action["domain"] = [("adverse_event_id", "=", self.id)]
        action["context"] = {"default_adverse_event_id": self.id}
        return action

    def _imdrf_codes(self):
        """The IMDRF codes by payload key, as the regulator payload lists them."""
        self.ensure_one()
        return {
            "device_problem": self.device_problem_code_ids,
            "investigation_type": self.investigation_type_code_ids,
            "investigation_finding": self.investigation_finding_code_ids,
            "investigation_conclusion": self.investigation_conclusion_code_ids,
            "health_effect_clinical": self.health_effect_clinical_code_ids,
            "health_effect_impact": self.health_effect_impact_code_ids,
            "component": self.component_code_ids,
        }
