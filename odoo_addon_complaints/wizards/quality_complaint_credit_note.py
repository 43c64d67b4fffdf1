# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class QualityComplaintCreditNote(models.TransientModel):
    """Credit the complained quantities through Odoo's own invoice reversal."""

    _name = "quality.complaint.credit.note"
    _description = "Complaint Credit Note"

    complaint_id = fields.Many2one(
        "quality.complaint", required=True, ondelete="cascade", help="Complaint to credit."
    )
    allowed_invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_allowed_invoice_ids",
        help="Posted customer invoices of the complaint's order lines.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        required=True,
        domain="[('id', 'in', allowed_invoice_ids)]",
        help="Customer invoice to credit.",
    )
    quantity_basis = fields.Selection(
        [("complained", "Complained Quantity"), ("defective", "Defective Quantity")],
        default="complained",
        required=True,
        help="Which quantity of the affected lines is credited.",
    )
    reason = fields.Char(help="Reason shown on the credit note.")
    discount_amount = fields.Monetary(
        currency_field="currency_id", help="Extra discount granted, on a separate line (untaxed)."
    )
    compensation_amount = fields.Monetary(
        currency_field="currency_id", help="Compensation paid, on a separate line (untaxed)."
    )
    currency_id = fields.Many2one(related="invoice_id.currency_id", help="Currency of the invoice.")

    @api.depends("complaint_id")
    def _compute_allowed_invoice_ids(self):
        for wizard in self:
            sale_lines = wizard.complaint_id.line_ids._sale_lines_for_credit()
            wizard.allowed_invoice_ids = sale_lines.invoice_lines.move_id.filtered(
                lambda move: move.move_type == "out_invoice" and move.state == "posted"
            )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        complaint = self.env["quality.complaint"].browse(values.get("complaint_id"))
        if complaint and "invoice_id" in fields_list:
            invoices = complaint.line_ids._sale_lines_for_credit().invoice_lines.move_id.filtered(
                lambda move: move.move_type == "out_invoice" and move.state == "posted"
            )
            values["invoice_id"] = invoices[:1].id
        return values

    def _credited_quantities(self):
        """Quantity to credit per sale order line, from the affected lines."""
        quantities = {}
        for line in self.complaint_id.line_ids:
            sale_line = line._invoiced_sale_lines()[:1]
            if not sale_line:
                continue
            quantity = line.qty_defective if self.quantity_basis == "defective" else line.qty_complained
            quantities[sale_line] = quantities.get(sale_line, 0.0) + quantity
        return quantities

    def action_create_credit_note(self):
        self.ensure_one()
        complaint = self.complaint_id
        if self.invoice_id not in self.allowed_invoice_ids:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: invoice %(invoice)s does not invoice any affected order line.",
                    complaint=complaint.name,
                    invoice=self.invoice_id.display_name,
                )
            )
        quantities = self._credited_quantities()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=self.invoice_id.ids)
            .create(
                {
                    "move_ids": [Command.set(self.invoice_id.ids)],
                    "reason": self.reason or self.env._("Complaint %s", complaint.name),
                    "journal_id": self.invoice_id.journal_id.id,
                    "date": fields.Date.context_today(self),
                }
            )
        )
        reversal.refund_moves()
        credit_note = reversal.new_move_ids
        commands = []
        credited_any = False
        for invoice_line in credit_note.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ):
            sale_line = invoice_line.sale_line_ids[:1]
            quantity = min(quantities.get(sale_line, 0.0), invoice_line.quantity)
            if quantity > 0:
                # Unlinked from the order line, as a refund not made from the order: linked, it
                # would lower the invoiced quantity and the order would invoice the credited
                # units again (see sale.order.line._compute_qty_invoiced).
                commands.append(
                    Command.update(
                        invoice_line.id, {"quantity": quantity, "sale_line_ids": [Command.clear()]}
                    )
                )
                credited_any = True
            else:
                commands.append(Command.delete(invoice_line.id))
        template_line = credit_note.invoice_line_ids.filtered(lambda line: line.display_type == "product")[:1]
        for amount, label in (
            (self.discount_amount, self.env._("Complaint %s: discount", complaint.name)),
            (self.compensation_amount, self.env._("Complaint %s: compensation", complaint.name)),
        ):
            if amount > 0:
                commands.append(
                    Command.create(
                        {
                            "name": label,
                            "quantity": 1,
                            "price_unit": amount,
                            "account_id": template_line.account_id.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                )
                credited_any = True
        if not credited_any:
            credit_note.unlink()
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: nothing to credit on %(invoice)s for the affected lines.",
                    complaint=complaint.name,
                    invoice=self.invoice_id.display_name,
                )
            )
        credit_note.write({"invoice_line_ids": commands, "complaint_id": complaint.id})
        complaint._add_credit_note_cost(credit_note)
        complaint.message_post(
            body=self.env._("Draft credit note created: %s", credit_note.display_name),
            subtype_xmlid="mail.mt_note",
        )
        return complaint._action_view_records(credit_note, self.env._("Credit Notes"))
