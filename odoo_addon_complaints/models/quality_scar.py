# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .quality_guarded_mixin import checked_action

SCAR_STEPS = [(code, code) for code in ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8")]

_lt = LazyTranslate(__name__)


class QualityScar(models.Model):
    """Supplier corrective-action request: an 8D asked of the supplier, answered per step."""

    _name = "quality.scar"
    _description = "Supplier Corrective Action Request"
    _sequence_code = "quality.scar"
    _inherit = [
        "quality.numbered.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "quality.sync.mixin",
        "quality.guarded.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _guarded_fields = {
        "state": _lt("Send / Close / Cancel, or the supplier's answers"),
        "date_issued": _lt("Send"),
        "cost_id": _lt("the chargeback amount"),
    }

    title = fields.Char(required=True, tracking=True, help="Short title of the problem.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, help="Company."
    )
    supplier_id = fields.Many2one(
        "res.partner", required=True, tracking=True, help="Supplier asked for an 8D."
    )
    eight_d_id = fields.Many2one(
        "quality.eight.d", string="8D Report", check_company=True, index=True, help="Our 8D."
    )
    complaint_id = fields.Many2one(
        "quality.complaint", check_company=True, index=True, help="Complaint it comes from."
    )
    purchase_order_id = fields.Many2one(
        "purchase.order",
        check_company=True,
        domain="[('partner_id', 'child_of', supplier_id)]",
        help="Purchase order of the suspect components.",
    )
    receipt_id = fields.Many2one(
        "stock.picking",
        check_company=True,
        domain="[('picking_type_code', '=', 'incoming'), ('partner_id', 'child_of', supplier_id)]",
        help="Receipt the suspect components arrived with.",
    )
    product_id = fields.Many2one(
        "product.product", string="Component", required=True, help="Purchased component."
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial", domain="[('product_id', '=', product_id)]", help="Supplier lot."
    )
    qty_received = fields.Float(digits="Product Unit of Measure", help="Quantity received of the lot.")
    qty_defective = fields.Float(digits="Product Unit of Measure", help="Quantity found defective.")
    symptom = fields.Text(help="What was observed.")
    description = fields.Text(
        required=True, help="The problem and its consequences, as the supplier must understand it."
    )
    error_type = fields.Char(help="Defect type.")
    error_location = fields.Char(help="Where on the part the defect is.")
    location = fields.Char(
        string="Found At", help="Where the problem was found (incoming inspection, line, customer)."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Supplier Quality Engineer",
        required=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        help="Our contact for the supplier.",
    )
    date_issued = fields.Date(string="Issued On", readonly=True, copy=False, help="When the SCAR was sent.")
    reply_due_on = fields.Date(string="Full Reply Due", help="When the supplier's complete 8D is due.")
    step_ids = fields.One2many(
        "quality.scar.step",
        "scar_id",
        string="Requested Steps",
        copy=True,
        help="8D steps asked of the supplier.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("open", "Sent"),
            ("supplier_answered", "Answered"),
            ("verifying", "Verifying"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        help="Sent SCARs wait for the supplier's answers, which we accept or reject step by step.",
    )
    supplier_complaint_ref = fields.Char(
        string="Supplier Reference", tracking=True, help="The supplier's own reference."
    )
    currency_id = fields.Many2one(related="company_id.currency_id", help="Company currency.")
    chargeback_amount = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        help="Costs claimed from the supplier; they reduce the complaint's total cost.",
    )
    cost_id = fields.Many2one(
        "quality.complaint.cost", readonly=True, copy=False, help="Chargeback cost line on the complaint."
    )
    share_end_customer = fields.Boolean(
        tracking=True,
        copy=False,
        help="Tell the supplier who the end customer is: their name, contact, order references and our "
        "sale orders, on the supplier portal and in what the sync agent sends to the supplier portal. "
        "Off by default: the supplier then learns nothing that identifies the customer.",
    )
    end_customer_name = fields.Char(
        compute="_compute_end_customer", help="The end customer, when the SCAR shares it."
    )
    end_customer_contact = fields.Char(
        compute="_compute_end_customer", help="The end customer's contact, when the SCAR shares it."
    )
    end_customer_reference = fields.Char(
        compute="_compute_end_customer",
        help="The end customer's own order references, when the SCAR shares the end customer.",
    )
    end_customer_orders = fields.Char(
        compute="_compute_end_customer",
        help="Our sale orders to the end customer, when the SCAR shares the end customer.",
    )
    refused_answer_ids = fields.Char(
        readonly=True,
        copy=False,
        help="Portal answers refused by the sync agent (space-separated ids), kept once.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        scars = super().create(vals_list)
        scars.filtered("chargeback_amount")._sync_chargeback_cost()
        return scars

    def write(self, vals):
        result = super().write(vals)
        if "chargeback_amount" in vals:
            self._sync_chargeback_cost()
        return result

    def _sync_chargeback_cost(self):
        for scar in self.filtered("complaint_id"):
            values = {
                "amount": scar.chargeback_amount,
                "name": self.env._(
                    "Chargeback %(scar)s (%(supplier)s)", scar=scar.name, supplier=scar.supplier_id.name
                ),
            }
            if scar.cost_id:
                scar.cost_id.write(values)
            elif scar.chargeback_amount:
                scar.cost_id = self.env["quality.complaint.cost"].create(
                    {
                        **values,
                        "complaint_id": scar.complaint_id.id,
                        "cost_type": "chargeback",
                        "is_automatic": True,
                    }
                )

    # Not on complaint_id: a portal user's read fetches the dependencies, and the
    # complaint is none of the supplier's business (quality.portal.field.mixin).
    @api.depends("share_end_customer")
    def _compute_end_customer(self):
        for scar in self:
            data = scar.sudo()._end_customer_data() or {}
            scar.end_customer_name = data.get("name")
            scar.end_customer_contact = data.get("contact")
            scar.end_customer_reference = data.get("reference")
            scar.end_customer_orders = ", ".join(data.get("orders") or []) or False

    def _end_customer_data(self):
        """Who the end customer is, as the supplier may learn it; None unless the SCAR shares it.

        The one source of the end customer for the supplier portal and for the
        outbox payload, so that both show the same, or nothing.
        """
        self.ensure_one()
        complaint = self.complaint_id
        if not self.share_end_customer or not complaint:
            return None
        orders = complaint.sale_order_ids
        references = [ref for ref in orders.mapped("client_order_ref") if ref]
        return {
            "name": (complaint.commercial_partner_id or complaint.partner_id).name or None,
            "contact": complaint.contact_id.name or None,
            "reference": ", ".join(references)[:255] or None,
            "orders": orders.mapped("name"),
        }

    # Lifecycle

    def action_send(self):
        for scar in self:
            if scar.state != "draft":
                raise UserError(self.env._("SCAR %(scar)s was already sent.", scar=scar.name))
            if not scar.step_ids:
                raise UserError(
                    self.env._("SCAR %(scar)s: add the 8D steps the supplier must answer.", scar=scar.name)
                )
            scar._check_exchange_data()
            with checked_action():
                scar.write({"state": "open", "date_issued": scar.company_id._complaints_today()})
                scar.step_ids.write({"state": "requested"})
            scar._emit("scar.created")

    def _check_exchange_data(self):
        """Refuse to send what the supplier portal (Catena-X Report8D) would reject, naming the field."""
        self.ensure_one()
        missing = []
        for partner in (self.company_id.partner_id, self.supplier_id.commercial_partner_id):
            for field_name in ("catena_x_bpn", "email", "city", "country_id"):
                if not partner[field_name]:
                    missing.append(
                        self.env._(
                            "%(field)s of %(partner)s",
                            field=partner._fields[field_name].get_description(self.env)["string"],
                            partner=partner.display_name,
                        )
                    )
        if not self.user_id.email:
            missing.append(self.env._("E-mail of the supplier quality engineer %s", self.user_id.name))
        if missing:
            raise UserError(
                self.env._(
                    "SCAR %(scar)s cannot be sent to the supplier portal; missing: %(missing)s.",
                    scar=self.name,
                    missing="; ".join(missing),
                )
            )

    def _emit(self, event_type):
        for scar in self:
            self.env["quality.sync.event"]._enqueue(scar, event_type, "supplier_portal", scar._sync_payload())

    def action_close(self):
        for scar in self:
            not_accepted = scar.step_ids.filtered(lambda step: step.state != "accepted")
            if not_accepted:
                raise UserError(
                    self.env._(
                        "SCAR %(scar)s cannot close: steps not accepted yet: %(steps)s",
                        scar=scar.name,
                        steps=", ".join(not_accepted.mapped("code")),
                    )
                )
            with checked_action():
                scar.state = "closed"
            scar._emit("scar.updated")

    def action_cancel(self):
        for scar in self:
            was_sent = scar.state != "draft"
            with checked_action():
                scar.state = "cancelled"
            if was_sent:
                scar._emit("scar.updated")

    def _refresh_state(self):
        with checked_action():
            self._refresh_state_from_steps()

    def _refresh_state_from_steps(self):
        for scar in self.filtered(lambda s: s.state in ("open", "supplier_answered", "verifying")):
            states = set(scar.step_ids.mapped("state"))
            if states <= {"accepted"}:
                scar.state = "verifying"
            elif "requested" in states or "rejected" in states:
                scar.state = "open"
            else:
                scar.state = "supplier_answered"

    # Outbox payload (version 1, see mappings/README.md)

    def _sync_payload(self):
        self.ensure_one()
        company = self.company_id
        report = self.eight_d_id

        def text(value):
            return value or None

        def company_dict(partner, code=None):
            return {
                "code": code,
                "name": partner.name,
                "street": text(partner.street),
                "city": text(partner.city),
                "zip": text(partner.zip),
                "country": text(partner.country_id.code),
                "bpn": text(partner.commercial_partner_id.catena_x_bpn),
                "email": text(partner.email),
                "phone": text(partner.phone),
            }

        def measure(capa):
            status = {
                "draft": "open",
                "approved": "in_progress",
                "verifying": "in_progress",
                "done": "done",
                "cancelled": "cancelled",
            }[capa.state]
            return {
                "action": capa.title,
                "owner": capa.user_id.name,
                "introduced_on": fields.Date.to_string(capa.date_done or capa.date_due),
                "proof": capa.check_ids[:1].criterion or capa.title,
                "effectiveness": int(capa.effectiveness_rate),
                "cause": None,
                "status": status,
            }

        steps = self.step_ids.sorted("code")
        payload = {
            "scar": {
                "number": self.name,
                "complaint_number": text(self.complaint_id.name),
                "title": self.title,
                "issued_on": fields.Date.to_string(self.date_issued or company._complaints_today()),
                "revised_at": fields.Datetime.to_string(self.write_date or fields.Datetime.now()),
                "state": self.state,
                "severity": text(self.complaint_id.severity_id.name),
                "location": text(self.location),
                "quality_task_uuid": None,
                "supplier_complaint_ref": text(self.supplier_complaint_ref),
                "requested_steps": steps.mapped("code"),
                "due_dates": {
                    step.code: fields.Date.to_string(step.date_due) for step in steps if step.date_due
                },
                "reply_due_on": fields.Date.to_string(self.reply_due_on) if self.reply_due_on else None,
            },
            "customer": company_dict(company.partner_id),
            "supplier": company_dict(
                self.supplier_id, code=self.supplier_id.ref or f"P{self.supplier_id.id}"
            ),
            "end_customer": self.sudo()._end_customer_data(),
            "contact": {
                "name": self.user_id.name,
                "email": text(self.user_id.email),
                "phone": text(self.user_id.phone),
                "department": None,
                "role": "SQE",
            },
            "team": [
                {
                    "name": member.user_id.name,
                    "email": text(member.user_id.email),
                    "phone": None,
                    "department": None,
                    "role": member.role,
                }
                for member in report.member_ids
            ],
            "parts": [
                {
                    "product_code": self.product_id.default_code or self.product_id.name,
                    "supplier_product_code": text(
                        self.product_id.seller_ids.filtered(
                            lambda seller: seller.partner_id == self.supplier_id
                        )[:1].product_code
                    ),
                    "name": self.product_id.name,
                    "lot": text(self.lot_id.name),
                    "serial": None,
                    "purchase_order": self.purchase_order_id.name or self.receipt_id.origin or self.name,
                    "quantity_received": self.qty_received or None,
                    "quantity_defective": self.qty_defective or None,
                    "uom": self.product_id.uom_id.name,
                    "hw_version": None,
                    "part_uuid": None,
                }
            ],
            "problem": {
                "symptom": text(self.symptom),
                "description": self.description,
                "error_type": text(self.error_type),
                "error_location": text(self.error_location),
                "risk_assessment_started": fields.Date.to_string(self.date_issued)
                if self.date_issued
                else None,
                "risk_assessment_updated": None,
                "w5h2": {
                    key: text(report[key])
                    for key in ("what", "why", "where", "when", "who", "how", "how_many")
                }
                if report
                else {},
            },
            "emergency_actions": [],
            "containment": [],
            "eight_d": {
                "causes": [
                    {
                        "kind": cause.cause_kind,
                        "level": cause.cause_level,
                        "hypothesis": cause.description,
                        "verified_by": None,
                        "clarified_on": fields.Date.to_string(
                            cause.date_clarified or company._complaints_local_date(cause.create_date)
                        ),
                        "result": self.env._("Verified: %s", cause.verification or "-")
                        if cause.verified
                        else self.env._("Not verified yet"),
                        "method": text(cause.verification),
                        "report": None,
                        "category": cause.ishikawa or None,
                    }
                    for cause in report.root_cause_ids
                ],
                "corrective_actions": [
                    measure(c) for c in report.capa_ids.filtered(lambda c: c.eight_d_step == "D5")
                ],
                "implemented_actions": [
                    measure(c) for c in report.capa_ids.filtered(lambda c: c.eight_d_step == "D6")
                ],
                "preventive_actions": [
                    measure(c) for c in report.capa_ids.filtered(lambda c: c.eight_d_step == "D7")
                ],
                "closed_on": fields.Date.to_string(company._complaints_local_date(report.date_closed))
                if report.date_closed
                else None,
                "closing_assessment": None,
            },
        }
        return payload
