# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class QualityComplaint(models.Model):
    """Returns, replacements, credit notes, repairs, containment and costs of a complaint."""

    _inherit = "quality.complaint"

    complaint_picking_ids = fields.One2many(
        "stock.picking",
        "complaint_id",
        string="Complaint Transfers",
        help="Returns, replacements and quarantine transfers made for the complaint.",
    )
    return_count = fields.Integer(compute="_compute_stock_counts", help="Number of customer returns.")
    replacement_count = fields.Integer(
        compute="_compute_stock_counts", help="Number of replacement deliveries."
    )
    quarantine_count = fields.Integer(compute="_compute_stock_counts", help="Number of quarantine transfers.")
    repair_ids = fields.One2many(
        "repair.order", "complaint_id", string="Repairs", help="Warranty repairs of returned goods."
    )
    repair_count = fields.Integer(compute="_compute_stock_counts", help="Number of repairs.")
    credit_note_ids = fields.One2many(
        "account.move", "complaint_id", string="Credit Notes", help="Credit notes settling the complaint."
    )
    credit_note_count = fields.Integer(compute="_compute_stock_counts", help="Number of credit notes.")
    sorting_ids = fields.One2many(
        "quality.complaint.sorting",
        "complaint_id",
        string="Sorting Results",
        help="Suspect goods checked in-house and at customers.",
    )
    cost_ids = fields.One2many(
        "quality.complaint.cost", "complaint_id", string="Costs", help="What the complaint costs."
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency", help="Currency of the cost totals."
    )
    cost_total = fields.Monetary(
        string="Total Cost",
        currency_field="company_currency_id",
        compute="_compute_cost_total",
        store=True,
        help="Sum of the costs in company currency, less supplier chargebacks.",
    )

    @api.depends("complaint_picking_ids.complaint_picking_kind", "repair_ids", "credit_note_ids")
    def _compute_stock_counts(self):
        for complaint in self:
            kinds = complaint.complaint_picking_ids.mapped("complaint_picking_kind")
            complaint.return_count = kinds.count("return")
            complaint.replacement_count = kinds.count("replacement")
            complaint.quarantine_count = kinds.count("quarantine")
            complaint.repair_count = len(complaint.repair_ids)
            complaint.credit_note_count = len(complaint.credit_note_ids)

    @api.depends("cost_ids.amount_company")
    def _compute_cost_total(self):
        for complaint in self:
            complaint.cost_total = sum(complaint.cost_ids.mapped("amount_company"))

    def _note_stock_action(self, body):
        """Leave a note of a warehouse action on the complaint.

        Warehouse users only read complaints, yet the returns, replacements and
        quarantine moves they make belong in its history: the system writes the
        note and names them.
        """
        self.ensure_one()
        self.sudo().message_post(
            body=self.env._("%(note)s (by %(user)s)", note=body, user=self.env.user.name),
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )

    # Costs filled in automatically

    def _add_replacement_cost(self, product, quantity):
        self.ensure_one()
        # Recorded by the system: the warehouse user who ships the replacement may not edit costs.
        self.env["quality.complaint.cost"].sudo().create(
            {
                "complaint_id": self.id,
                "cost_type": "replacement",
                "name": self.env._(
                    "Replacement: %(quantity)s %(product)s", quantity=quantity, product=product.display_name
                ),
                "amount": product.with_company(self.company_id).standard_price * quantity,
                "currency_id": self.company_id.currency_id.id,
                "is_automatic": True,
            }
        )

    def _add_credit_note_cost(self, credit_note):
        self.ensure_one()
        self.env["quality.complaint.cost"].create(
            {
                "complaint_id": self.id,
                "cost_type": "credit",
                "name": self.env._("Credit note %s", credit_note.display_name),
                "amount": abs(credit_note.amount_total_signed),
                "currency_id": self.company_id.currency_id.id,
                "account_move_id": credit_note.id,
                "is_automatic": True,
            }
        )

    # Actions

    def _open_wizard(self, model, name, extra_context=None):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_complaint_id": self.id, **(extra_context or {})},
        }

    def action_open_return(self):
        return self._open_wizard("quality.complaint.return", self.env._("Customer Return"))

    def action_open_replacement(self):
        return self._open_wizard("quality.complaint.replacement", self.env._("Replacement"))

    def action_open_credit_note(self):
        return self._open_wizard("quality.complaint.credit.note", self.env._("Credit Note"))

    def action_open_containment(self):
        return self._open_wizard("quality.complaint.containment", self.env._("Containment"))

    def action_create_repairs(self):
        """Open a warranty repair for each returned lot/serial in quarantine."""
        self.ensure_one()
        repairs = self.env["repair.order"]
        for line in self.line_ids:
            to_repair = line.qty_returned - sum(
                self.repair_ids.filtered(
                    lambda r, line=line: r.lot_id == line.lot_id and r.product_id == line.product_id
                ).mapped("product_qty")
            )
            if to_repair <= 0 or not line.lot_id:
                continue
            warehouse = (
                line._return_move_lines()
                .filtered(lambda ml: ml.state == "done")[:1]
                .picking_id.picking_type_id.warehouse_id
            )
            repairs |= self.env["repair.order"].create(
                {
                    "product_id": line.product_id.id,
                    "product_qty": to_repair if line.product_tracking != "serial" else 1,
                    "lot_id": line.lot_id.id,
                    "partner_id": self.partner_id.id,
                    "under_warranty": True,
                    "complaint_id": self.id,
                    "picking_type_id": warehouse.repair_type_id.id,
                    "location_id": warehouse.complaint_quarantine_location_id.id,
                    "internal_notes": self.env._("Warranty repair for complaint %s", self.name),
                }
            )
        if not repairs:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: no returned lot/serial is waiting for repair; "
                    "receive the customer return first.",
                    complaint=self.name,
                )
            )
        self._note_stock_action(self.env._("Warranty repair created: %s", ", ".join(repairs.mapped("name"))))
        return self._action_view_records(repairs, self.env._("Repairs"))

    def _action_view_kind(self, kind, name):
        pickings = self.complaint_picking_ids.filtered(lambda p: p.complaint_picking_kind == kind)
        return self._action_view_records(pickings, name)

    def action_view_returns(self):
        return self._action_view_kind("return", self.env._("Returns"))

    def action_view_replacements(self):
        return self._action_view_kind("replacement", self.env._("Replacements"))

    def action_view_quarantines(self):
        return self._action_view_kind("quarantine", self.env._("Quarantine Transfers"))

    def action_view_repairs(self):
        return self._action_view_records(self.repair_ids, self.env._("Repairs"))

    def action_view_credit_notes(self):
        return self._action_view_records(self.credit_note_ids, self.env._("Credit Notes"))
