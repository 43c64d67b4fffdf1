# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.quality_guarded_mixin import lock_rows

WHEREABOUTS = [
    ("on_hand", "On Hand"),
    ("in_transit", "In Transit"),
    ("at_customer", "At Customer"),
]


class QualityComplaintContainment(models.TransientModel):
    """Every place the complaint's lots are, and the actions that contain them."""

    _name = "quality.complaint.containment"
    _description = "Complaint Containment"

    complaint_id = fields.Many2one(
        "quality.complaint", required=True, ondelete="cascade", help="Complaint whose lots are contained."
    )
    lot_ids = fields.Many2many("stock.lot", string="Lots", help="Suspect lots.")
    line_ids = fields.One2many(
        "quality.complaint.containment.line",
        "containment_id",
        string="Whereabouts",
        help="Where the lots are.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if values.get("complaint_id") and "line_ids" in fields_list:
            values.update(self._whereabouts_values(values["complaint_id"]))
        return values

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("complaint_id") and "line_ids" not in vals:
                vals.update(self._whereabouts_values(vals["complaint_id"]))
        return super().create(vals_list)

    @api.model
    def _whereabouts_values(self, complaint_id):
        complaint = self.env["quality.complaint"].browse(complaint_id)
        lots = complaint.lot_ids
        return {
            "lot_ids": [Command.set(lots.ids)],
            "line_ids": [
                Command.create(self._line_values(row, complaint)) for row in lots._complaint_whereabouts()
            ],
        }

    @staticmethod
    def _line_values(row, complaint):
        partner = row.get("partner")
        return {
            "kind": row["kind"],
            "lot_id": row["lot"].id,
            "product_id": row["product"].id,
            "location_id": row.get("location") and row["location"].id,
            "picking_id": row.get("picking") and row["picking"].id,
            "partner_id": partner and partner.id,
            "quantity": row["quantity"],
            "is_other_customer": bool(
                row["kind"] == "at_customer" and partner and partner != complaint.commercial_partner_id
            ),
        }

    def action_quarantine_on_hand(self):
        """Move every on-hand quantity of the lots into quarantine, one validated transfer per warehouse.

        The transfer is done at once so that the suspect stock is unavailable
        for shipping immediately; it stays traceable on the complaint.
        """
        self.ensure_one()
        complaint = self.complaint_id
        self._refresh_on_hand()
        on_hand = self.line_ids.filtered(
            lambda line: (
                line.kind == "on_hand"
                and line.location_id.warehouse_id
                and line.location_id != line.location_id.warehouse_id.complaint_quarantine_location_id
            )
        )
        if not on_hand:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: no stock of the suspect lots is on hand outside quarantine.",
                    complaint=complaint.name,
                )
            )
        by_warehouse = defaultdict(lambda: self.env["quality.complaint.containment.line"])
        for line in on_hand:
            by_warehouse[line.location_id.warehouse_id] |= line
        transfers = self.env["stock.picking"]
        for warehouse, lines in by_warehouse.items():
            transfers |= self._quarantine_transfer(warehouse, lines)
        complaint._note_stock_action(
            self.env._("Suspect stock moved to quarantine: %s", ", ".join(transfers.mapped("name")))
        )
        return complaint._action_view_records(transfers, self.env._("Quarantine Transfers"))

    def _refresh_on_hand(self):
        """Lock the lots' stock and make the on-hand lines say what is on hand now.

        The lines were read when the window opened; another user may have
        moved the same stock since, e.g. quarantined it at the same moment.
        Locking the lots' quants makes a second user's transfer wait for the
        first one's and then be retried by Odoo (a serialization error), so
        it reads the stock as the first one left it. A lot that is no longer
        on hand where the window said stops the action with a message naming
        it, instead of a second transfer that would make the quant negative.
        """
        lots = self.lot_ids | self.line_ids.lot_id
        if not lots:
            return
        lock_rows(self.env["stock.quant"].sudo().search([("lot_id", "in", lots.ids), ("quantity", ">", 0)]))
        rows = [row for row in lots._complaint_whereabouts() if row["kind"] == "on_hand"]
        now = {(row["lot"], row["location"]): row["quantity"] for row in rows}
        seen = self.line_ids.filtered(lambda line: line.kind == "on_hand")
        for line in seen:
            if now.get((line.lot_id, line.location_id), 0.0) < line.quantity:
                # Odoo's term extraction cannot read an f-string inside the translated call.
                formatted_quantity = f"{line.quantity:g}"
                raise UserError(
                    self.env._(
                        "Lot %(lot)s of complaint %(complaint)s is no longer on hand in %(location)s "
                        "(%(quantity)s when this window opened): it was moved meanwhile, maybe to "
                        "quarantine by someone else. Close this window and open the containment again.",
                        lot=line.lot_id.name,
                        complaint=self.complaint_id.name,
                        location=line.location_id.display_name,
                        quantity=formatted_quantity,
                    )
                )
        seen.unlink()
        self.write({"line_ids": [Command.create(self._line_values(row, self.complaint_id)) for row in rows]})

    def _quarantine_transfer(self, warehouse, lines):
        if not warehouse.complaint_quarantine_type_id:
            warehouse._create_complaint_quarantine_data()
        quarantine = warehouse.complaint_quarantine_location_id
        picking_type = warehouse.complaint_quarantine_type_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": quarantine.id,
                "origin": self.complaint_id.name,
                "complaint_id": self.complaint_id.id,
                "complaint_picking_kind": "quarantine",
                "move_ids": [
                    Command.create(
                        {
                            "name": self.env._("Quarantine for %s", self.complaint_id.name),
                            "product_id": product.id,
                            "product_uom": product.uom_id.id,
                            "product_uom_qty": sum(product_lines.mapped("quantity")),
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": quarantine.id,
                            "complaint_id": self.complaint_id.id,
                        }
                    )
                    for product, product_lines in lines.grouped("product_id").items()
                ],
            }
        )
        picking.action_confirm()
        for move in picking.move_ids:
            move.move_line_ids.unlink()
            self.env["stock.move.line"].create(
                [
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": move.product_id.id,
                        "product_uom_id": move.product_uom.id,
                        "lot_id": line.lot_id.id,
                        "quantity": line.quantity,
                        "location_id": line.location_id.id,
                        "location_dest_id": quarantine.id,
                    }
                    for line in lines.filtered(lambda row, move=move: row.product_id == move.product_id)
                ]
            )
        picking.move_ids.picked = True
        picking._action_done()
        return picking

    def action_notify_other_customers(self):
        """Plan a follow-up with every other customer who received the lots (recall candidates)."""
        self.ensure_one()
        complaint = self.complaint_id
        others = self.line_ids.filtered("is_other_customer")
        if not others:
            raise UserError(
                self.env._(
                    "Complaint %(complaint)s: no other customer received the suspect lots.",
                    complaint=complaint.name,
                )
            )
        responsible = complaint.user_id or self.env.user
        for partner, lines in others.grouped("partner_id").items():
            lots = ", ".join(f"{line.lot_id.name} ({line.quantity:g})" for line in lines)
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Recall candidate: complaint %s", complaint.name),
                note=self.env._(
                    "%(customer)s received suspect lots of complaint %(complaint)s: %(lots)s. "
                    "Contact them about sorting or recall.",
                    customer=partner.display_name,
                    complaint=complaint.name,
                    lots=lots,
                ),
                user_id=responsible.id,
            )
        complaint._note_stock_action(
            self.env._(
                "Follow-up planned with the other customers who received the suspect lots: %s",
                ", ".join(others.partner_id.mapped("display_name")),
            )
        )
        return True


class QualityComplaintContainmentLine(models.TransientModel):
    _name = "quality.complaint.containment.line"
    _description = "Complaint Containment Whereabouts"
    _order = "kind, lot_id, id"

    containment_id = fields.Many2one(
        "quality.complaint.containment", required=True, ondelete="cascade", help="Containment."
    )
    kind = fields.Selection(WHEREABOUTS, string="Where", required=True, help="Kind of place.")
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", help="Suspect lot.")
    product_id = fields.Many2one("product.product", help="Product of the lot.")
    location_id = fields.Many2one("stock.location", help="Location of the stock.")
    picking_id = fields.Many2one("stock.picking", string="Transfer", help="Transfer not yet done.")
    partner_id = fields.Many2one("res.partner", string="Customer", help="Customer holding the goods.")
    quantity = fields.Float(digits="Product Unit of Measure", help="Quantity of the lot there.")
    is_other_customer = fields.Boolean(
        string="Other Customer", help="A customer other than the complainant: a recall candidate."
    )
