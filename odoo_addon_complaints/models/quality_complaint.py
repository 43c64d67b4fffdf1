# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import create_index
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


CHANNELS = [
    ("phone", "Phone"),
    ("fax", "Fax"),
    ("email", "E-mail"),
    ("letter", "Letter"),
    ("visit", "Visit / On Site"),
    ("web", "Web Form / Portal"),
    ("distributor", "Distributor / Dealer"),
    ("field_service", "Field Service / Repair Report"),
    ("regulator", "Regulator Notice"),
    ("media", "Media"),
    ("internal", "Internal"),
    ("survey", "Satisfaction Survey"),
]

REPORTER_ROLES = [
    ("end_user", "End User"),
    ("customer", "Customer (Buyer)"),
    ("distributor", "Distributor / Dealer"),
    ("clinician", "Clinician / Health Professional"),
    ("patient", "Patient"),
    ("regulator", "Regulator"),
    ("sales", "Sales Staff"),
    ("service", "Service Technician"),
    ("employee", "Employee"),
    ("other", "Other"),
]

VALIDITY = [
    ("to_check", "To Check"),
    ("valid", "Valid"),
    ("not_responsible", "Not Our Responsibility"),
    ("unfounded", "Unfounded"),
    ("malicious", "Malicious"),
]

DISPOSITIONS = [
    ("explanation", "Explanation Only"),
    ("return", "Return"),
    ("exchange", "Exchange / Replacement"),
    ("refund", "Refund / Credit"),
    ("discount", "Discount"),
    ("repair", "Free Repair"),
    ("compensation", "Compensation"),
    ("recall", "Recall"),
]


class QualityComplaint(models.Model):
    _name = "quality.complaint"
    _description = "Quality Complaint"
    _inherit = ["mail.thread.cc", "mail.activity.mixin", "quality.sync.mixin", "quality.guarded.mixin"]
    _order = "priority desc, date_received desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name", "subject"]
    _guarded_fields = {
        "intake_user_id": _lt("registering the complaint"),
        "date_containment": _lt("Containment Done"),
        "date_root_cause": _lt("Root Cause Found"),
        "date_reply": _lt("Send Reply"),
        "close_override_reason": _lt("Close Without Acceptance"),
        "close_override_user_id": _lt("Close Without Acceptance"),
        "date_closed": _lt("moving the complaint to a closed or rejected stage"),
    }

    name = fields.Char(
        string="Number",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
        help="Complaint number YYYYMM-NNNN, given at registration; the serial restarts every month.",
    )
    subject = fields.Char(required=True, tracking=True, help="Short summary of the complaint.")
    active = fields.Boolean(default=True, help="Archived complaints are hidden.")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="Company that received the complaint.",
    )
    # Intake
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="Customer who complains; choosing it limits orders, deliveries "
        "and lots to what was really delivered to this customer.",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
        string="Customer Entity",
        help="Company of the customer, used to match orders and deliveries.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        domain="[('id', 'child_of', commercial_partner_id)]",
        help="Person at the customer who raised the complaint.",
    )
    contact_phone = fields.Char(related="contact_id.phone", string="Contact Phone", help="Contact's phone.")
    contact_email = fields.Char(related="contact_id.email", string="Contact E-mail", help="Contact's e-mail.")
    channel = fields.Selection(
        CHANNELS,
        required=True,
        default="phone",
        tracking=True,
        help="How the complaint reached the company.",
    )
    date_received = fields.Datetime(
        string="Received On",
        required=True,
        default=fields.Datetime.now,
        tracking=True,
        help="When the complaint was received; every deadline counts from here.",
    )
    reporter_role = fields.Selection(
        REPORTER_ROLES,
        default="customer",
        help="Who the reporter is for the company.",
    )
    description = fields.Html(
        help="Detailed description of the problem as told by the customer "
        "(what, where, when, how many, how it was found)."
    )
    request_type_ids = fields.Many2many(
        "quality.complaint.request.type",
        string="Customer Requests",
        help="What the customer asks for: return, exchange, refund, discount, "
        "free repair, compensation, explanation, improvement...",
    )
    intake_user_id = fields.Many2one(
        "res.users",
        string="Registered By",
        default=lambda self: self.env.user,
        readonly=True,
        help="Employee who registered the complaint.",
    )
    line_ids = fields.One2many(
        "quality.complaint.line",
        "complaint_id",
        string="Affected Lines",
        copy=True,
        help="Products, lots, orders and deliveries the complaint is about.",
    )
    # Triage
    category_id = fields.Many2one(
        "quality.complaint.category",
        tracking=True,
        help="Kind of complaint, for routing and statistics.",
    )
    validity = fields.Selection(
        VALIDITY,
        default="to_check",
        required=True,
        tracking=True,
        help="Result of the check of the complaint. Anything but 'valid' must be "
        "explained to the customer in writing.",
    )
    validity_explanation = fields.Text(
        string="Explanation to Customer",
        help="Why the complaint is not our responsibility, unfounded or malicious, as told to the customer.",
    )
    severity_id = fields.Many2one(
        "quality.complaint.severity",
        tracking=True,
        index=True,
        default=lambda self: self._default_severity(),
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Severity level; it sets the deadlines and who is escalated to.",
    )
    priority = fields.Selection(
        [("0", "Normal"), ("1", "High"), ("2", "Very High"), ("3", "Urgent")],
        compute="_compute_priority",
        store=True,
        readonly=False,
        index=True,
        help="Priority, proposed by the severity level.",
    )
    stage_id = fields.Many2one(
        "quality.complaint.stage",
        tracking=True,
        index=True,
        copy=False,
        group_expand="_read_group_expand_stage_ids",
        default=lambda self: self._default_stage(),
        ondelete="restrict",
        help="Where the complaint is in its handling.",
    )
    stage_state = fields.Selection(
        related="stage_id.state", string="Stage Type", help="Meaning of the stage."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Investigator",
        tracking=True,
        index=True,
        domain=[("share", "=", False)],
        help="Quality employee who investigates and drives the complaint to closure.",
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        compute="_compute_manager_id",
        store=True,
        readonly=False,
        tracking=True,
        domain=[("share", "=", False)],
        help="Manager who receives an activity when a deadline is missed.",
    )
    subject_user_ids = fields.Many2many(
        "res.users",
        "quality_complaint_subject_user_rel",
        "complaint_id",
        "user_id",
        string="Persons Concerned",
        domain=[("share", "=", False)],
        help="Employees who are themselves the subject of the complaint: they "
        "may not investigate, approve or close it.",
    )
    # Investigation and disposition
    containment_action = fields.Html(
        string="Containment",
        help="Immediate measures: stop shipping, sort stock in-house, in "
        "transit and at customers, replace suspect goods.",
    )
    date_containment = fields.Datetime(
        string="Contained On", readonly=True, copy=False, help="When containment was done."
    )
    root_cause = fields.Html(help="Why it happened and why it was not detected (5W2H, 5 Why).")
    date_root_cause = fields.Datetime(
        string="Root Cause Found On",
        readonly=True,
        copy=False,
        help="When the root cause was established.",
    )
    disposition = fields.Selection(
        DISPOSITIONS,
        tracking=True,
        help="How the complaint is settled. Required to close it.",
    )
    customer_reply = fields.Html(help="Written answer sent to the customer.")
    date_reply = fields.Datetime(
        string="Replied On", readonly=True, copy=False, help="When the customer was answered."
    )
    customer_accepted = fields.Boolean(
        string="Accepted by Customer",
        tracking=True,
        copy=False,
        help="The customer has confirmed the solution; required to close the "
        "complaint unless a manager overrides.",
    )
    date_customer_acceptance = fields.Date(
        string="Accepted On", copy=False, help="When the customer accepted the solution."
    )
    close_override_reason = fields.Text(
        string="Override Reason",
        readonly=True,
        copy=False,
        help="Why a manager closed the complaint without the customer's acceptance.",
    )
    close_override_user_id = fields.Many2one(
        "res.users",
        string="Overridden By",
        readonly=True,
        copy=False,
        help="Manager who closed the complaint without the customer's acceptance.",
    )
    date_closed = fields.Datetime(
        string="Closed On", readonly=True, copy=False, help="When the complaint was closed."
    )
    # Deadlines
    deadline_ids = fields.One2many(
        "quality.complaint.deadline",
        "complaint_id",
        string="Deadlines",
        copy=False,
        help="Due dates of each step, from the severity level.",
    )
    date_deadline = fields.Datetime(
        string="Next Deadline",
        compute="_compute_date_deadline",
        store=True,
        index=True,
        help="Earliest due date among the deadlines not yet met.",
    )
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        search="_search_is_overdue",
        help="At least one deadline has passed without being met.",
    )
    # Traceability
    sale_order_ids = fields.Many2many(
        "sale.order",
        compute="_compute_traceability",
        string="Sale Orders",
        help="Orders of the affected lines.",
    )
    picking_ids = fields.Many2many(
        "stock.picking",
        compute="_compute_traceability",
        string="Deliveries",
        help="Deliveries of the affected lines.",
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        compute="_compute_traceability",
        string="Lots/Serials",
        help="Lots and serial numbers of the affected lines.",
    )
    product_ids = fields.Many2many(
        "product.product",
        compute="_compute_traceability",
        string="Products",
        help="Products of the affected lines.",
    )
    sale_order_count = fields.Integer(compute="_compute_traceability", help="Number of related sale orders.")
    picking_count = fields.Integer(compute="_compute_traceability", help="Number of related deliveries.")
    lot_count = fields.Integer(compute="_compute_traceability", help="Number of related lots/serials.")

    _sql_constraints = [
        (
            "name_company_unique",
            "unique(name, company_id)",
            "The complaint number must be unique per company.",
        ),
    ]

    def init(self):
        res = super().init()
        # The lists and kanban columns show complaints in _order: with this index
        # PostgreSQL reads the first page in order instead of sorting every open
        # complaint (at 100,000 complaints: see benchmarks/README.md).
        create_index(
            self.env.cr,
            "quality_complaint_list_order_idx",
            self._table,
            ["priority DESC", "date_received DESC", "id DESC"],
        )
        return res

    # Defaults and computes

    @api.model
    def _default_stage(self):
        return self.env["quality.complaint.stage"].search([], limit=1)

    @api.model
    def _default_severity(self):
        company = self.env.company
        return self.env["quality.complaint.severity"].search(
            ["|", ("company_id", "=", False), ("company_id", "=", company.id)], limit=1
        )

    @api.model
    def _read_group_expand_stage_ids(self, stages, domain):
        # Every stage is a kanban column, even an empty one; stages are a short
        # configuration list, so reading them all is the intent.
        return stages.search([])  # pylint: disable=no-search-all

    @api.depends("severity_id")
    def _compute_priority(self):
        for complaint in self:
            complaint.priority = complaint.severity_id.priority or "0"

    @api.depends("severity_id")
    def _compute_manager_id(self):
        for complaint in self:
            if complaint.severity_id.escalation_user_id:
                complaint.manager_id = complaint.severity_id.escalation_user_id

    @api.depends("deadline_ids.date_due", "deadline_ids.date_done")
    def _compute_date_deadline(self):
        for complaint in self:
            open_dates = complaint.deadline_ids.filtered(lambda deadline: not deadline.date_done).mapped(
                "date_due"
            )
            complaint.date_deadline = min(open_dates) if open_dates else False

    # A deadline is missed when it is not met and its due date has passed, so a
    # complaint is overdue exactly when its next deadline (the earliest one not
    # met, stored and indexed) has passed: reading and searching go through
    # date_deadline, not through the deadlines (at 100,000 complaints the
    # search over the deadlines made the Overdue filter 4-8 times slower than
    # the list of sale orders; see benchmarks/README.md).
    @api.depends("date_deadline")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for complaint in self:
            complaint.is_overdue = bool(complaint.date_deadline and complaint.date_deadline < now)

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Overdue'."))
        now = fields.Datetime.now()
        if (operator == "=") == value:
            return [("date_deadline", "<", now)]
        return ["|", ("date_deadline", "=", False), ("date_deadline", ">=", now)]

    @api.depends(
        "line_ids.sale_order_id",
        "line_ids.picking_id",
        "line_ids.move_line_ids",
        "line_ids.lot_id",
        "line_ids.product_id",
    )
    def _compute_traceability(self):
        for complaint in self:
            lines = complaint.line_ids
            complaint.sale_order_ids = lines.sale_order_id
            pickings = lines.picking_id | lines.move_line_ids.picking_id
            complaint.picking_ids = pickings
            complaint.lot_ids = lines.lot_id
            complaint.product_ids = lines.product_id
            complaint.sale_order_count = len(lines.sale_order_id)
            complaint.picking_count = len(pickings)
            complaint.lot_count = len(lines.lot_id)

    # Constraints

    @api.constrains("user_id", "subject_user_ids")
    def _check_investigator_not_concerned(self):
        for complaint in self:
            if complaint.user_id and complaint.user_id in complaint.subject_user_ids:
                raise ValidationError(
                    self.env._(
                        "Complaint %(complaint)s: %(user)s is a person concerned by "
                        "the complaint and cannot investigate it.",
                        complaint=complaint.name,
                        user=complaint.user_id.name,
                    )
                )

    def _check_not_concerned(self, what):
        """Persons concerned by a complaint take no part in handling it."""
        if self.env.su:
            return
        for complaint in self:
            if self.env.user in complaint.subject_user_ids:
                raise UserError(
                    self.env._(
                        "Complaint %(complaint)s: you are a person concerned by this complaint and "
                        "cannot %(what)s.",
                        complaint=complaint.name,
                        what=what,
                    )
                )

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self._next_complaint_number(vals)
        complaints = super().create(vals_list)
        complaints._sync_deadlines()
        complaints._check_stage_gates()
        complaints._on_stage_reached()
        return complaints

    @api.model
    def _next_complaint_number(self, vals):
        """Draw the next number from the month the complaint was received in.

        The received day in the company's time zone (``res.company._complaints_tz``,
        whoever registers it: a user elsewhere, a cron, an import) selects the
        monthly date range of the sequence, so a complaint received at 07:00 on
        1 March in Shanghai is a March complaint, and one registered late for
        last month still gets last month's number.
        """
        company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
        received = fields.Datetime.to_datetime(vals.get("date_received")) or fields.Datetime.now()
        received_day = company._complaints_local_date(received)
        number = (
            self.env["ir.sequence"]
            .with_company(company)
            .next_by_code("quality.complaint", sequence_date=received_day)
        )
        if not number:
            raise UserError(self.env._("No sequence 'quality.complaint' is defined to number complaints."))
        return number

    def write(self, vals):
        if "stage_id" in vals:
            self._check_not_concerned(self.env._("move it to another stage"))
        result = super().write(vals)
        if {"severity_id", "date_received", "company_id"} & vals.keys():
            self._sync_deadlines()
        if "stage_id" in vals:
            self._check_stage_gates()
            self._on_stage_reached()
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for complaint, vals in zip(self, vals_list):
            vals.setdefault("subject", self.env._("%s (copy)", complaint.subject))
        return vals_list
