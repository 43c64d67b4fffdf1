# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer portal's new-complaint form: what the customer typed, its checks and its errors.

The form is rendered by the server and works without JavaScript: every row
is one affected product (a delivered item and a quantity); *Add a Product*
and *Remove* post the form and get it back with one row more or less,
keeping everything typed. Sending checks every row, with the same rules as
inside Odoo (``quality.complaint.line._quantity_problem``: quantity not
above what was delivered, lot delivered to this customer, ...), and shows
the form again with each error beside its field and naming its line.
Browsers never fill a file input again, so the customer is told to choose
the files again when the form comes back.
"""

import math
from itertools import zip_longest

#: what a customer may attach to a new complaint
ALLOWED_UPLOAD_TYPES = ("image/", "application/pdf", "video/")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: rows a customer may add to one complaint
MAX_LINES = 50
#: line field of quality.complaint.line -> field of a form row
LINE_FIELD_TO_FORM = {
    "product_id": "move_line_id",
    "lot_id": "move_line_id",
    "picking_id": "move_line_id",
    "sale_order_id": "move_line_id",
    "sale_line_id": "move_line_id",
    "qty_complained": "quantity",
    "qty_defective": "quantity",
}


class ComplaintPortalForm:
    """The values of the form, row by row, with the errors found in them.

    ``lines`` are dicts ``{"move_line_id": str, "quantity": str}`` exactly as
    typed; ``errors`` maps a form field to its message and ``line_errors``
    a row index (from 0) to ``{form field: message}``.
    """

    def __init__(self, env, subject="", description="", lines=None, files=()):
        self.env = env
        self.subject = subject
        self.description = description
        self.lines = lines or [{"move_line_id": "", "quantity": ""}]
        self.files = [f for f in files if f and f.filename]
        self.errors = {}
        self.line_errors = {}
        #: after validate(): the delivered move line of each row, and the files read
        self.move_lines = []
        self.uploads = []

    @classmethod
    def from_request(cls, env, httprequest):
        form = httprequest.form
        rows = zip_longest(form.getlist("line_move_line_id"), form.getlist("line_quantity"), fillvalue="")
        lines = [{"move_line_id": item.strip(), "quantity": qty.strip()} for item, qty in rows]
        return cls(
            env,
            subject=(form.get("subject") or "").strip(),
            description=form.get("description") or "",
            lines=lines[:MAX_LINES],
            files=httprequest.files.getlist("attachments"),
        )

    # Rows

    def add_line(self):
        if len(self.lines) < MAX_LINES:
            self.lines.append({"move_line_id": "", "quantity": ""})

    def remove_line(self, index):
        """Remove the row ``index`` (from 0, as posted by its *Remove* button); ignore anything else."""
        index = int(index) if str(index).isdigit() else -1
        if len(self.lines) > 1 and 0 <= index < len(self.lines):
            del self.lines[index]

    # Errors

    def _line_error(self, index, field, message):
        label = {"move_line_id": self.env._("Delivered Item"), "quantity": self.env._("Quantity Concerned")}[
            field
        ]
        self.line_errors.setdefault(index, {}).setdefault(
            field,
            self.env._("Line %(line)s, %(field)s: %(message)s", line=index + 1, field=label, message=message),
        )

    def messages(self):
        """Every error, in the order of the form."""
        messages = [self.errors[key] for key in ("subject",) if key in self.errors]
        for index in sorted(self.line_errors):
            messages += [
                self.line_errors[index][f]
                for f in ("move_line_id", "quantity")
                if f in self.line_errors[index]
            ]
        messages += [self.errors[key] for key in ("attachments", "form") if key in self.errors]
        return messages

    def has_errors(self):
        return bool(self.errors or self.line_errors)

    # Checks

    def validate(self, delivered):
        """Check everything against the move lines ``delivered`` to the customer; True when all is well.

        Keeps the move line of each row, in order, in ``self.move_lines``
        and the files read in ``self.uploads``.
        """
        if not self.subject:
            self.errors["subject"] = self.env._("Subject: give your complaint a subject.")
        self.move_lines = []
        first_row_of = {}
        for index, row in enumerate(self.lines):
            move_line = delivered.filtered(lambda ml, row=row: str(ml.id) == row["move_line_id"])
            if not move_line:
                self._line_error(
                    index, "move_line_id", self.env._("choose one of the items delivered to you.")
                )
            elif move_line.id in first_row_of:
                self._line_error(
                    index,
                    "move_line_id",
                    self.env._(
                        "this item is already on line %(other)s; put the whole quantity on one line.",
                        other=first_row_of[move_line.id] + 1,
                    ),
                )
            else:
                first_row_of[move_line.id] = index
            quantity = _parse_quantity(row["quantity"])
            if quantity is None or quantity <= 0:
                self._line_error(index, "quantity", self.env._("enter a quantity greater than zero."))
            self.move_lines.append(move_line)
        self._check_same_company()
        for index, move_line in enumerate(self.move_lines):
            if move_line and index not in self.line_errors:
                self._check_line_rules(index, move_line, _parse_quantity(self.lines[index]["quantity"]))
        self._read_uploads()
        return not self.has_errors()

    def _check_same_company(self):
        companies = [ml.company_id for ml in self.move_lines if ml]
        for index, move_line in enumerate(self.move_lines):
            if move_line and move_line.company_id != companies[0]:
                self._line_error(
                    index,
                    "move_line_id",
                    self.env._(
                        "this item was delivered by %(company)s, the first one by %(first)s: report it in "
                        "a complaint of its own.",
                        company=move_line.company_id.name,
                        first=companies[0].name,
                    ),
                )

    def _check_line_rules(self, index, move_line, quantity):
        """The affected-line rules of Odoo itself, on a line not saved yet."""
        user = self.env.user
        company = move_line.company_id
        env = self.env(su=True, context=dict(self.env.context, allowed_company_ids=company.ids))
        complaint = env["quality.complaint"].new(
            {"partner_id": user.commercial_partner_id.id, "company_id": company.id}
        )
        line = env["quality.complaint.line"].new(
            dict(self.line_values(move_line, quantity), complaint_id=complaint)
        )
        problem = line._quantity_problem()
        if problem:
            field, message = problem
            self._line_error(index, LINE_FIELD_TO_FORM.get(field, "move_line_id"), message)

    @staticmethod
    def line_values(move_line, quantity):
        """Values of the complaint line for ``quantity`` of a delivered move line."""
        sale_line = move_line.move_id.sale_line_id
        return {
            "product_id": move_line.product_id.id,
            "lot_id": move_line.lot_id.id,
            "sale_order_id": sale_line.order_id.id,
            "sale_line_id": sale_line.id,
            "picking_id": move_line.picking_id.id,
            "qty_complained": quantity,
        }

    def all_line_values(self):
        return [
            self.line_values(move_line, _parse_quantity(row["quantity"]))
            for row, move_line in zip(self.lines, self.move_lines, strict=True)
        ]

    def _read_uploads(self):
        """Read the files; refuse other kinds than photos, videos and PDF, and files above 10 MB."""
        self.uploads = []
        problems = []
        for upload in self.files:
            content = upload.read()
            mimetype = upload.mimetype or ""
            if not mimetype.startswith(ALLOWED_UPLOAD_TYPES):
                problems.append(
                    self.env._(
                        "%(file)s: only photos, videos and PDF files can be attached.", file=upload.filename
                    )
                )
            elif len(content) > MAX_UPLOAD_BYTES:
                problems.append(self.env._("%(file)s is larger than 10 MB.", file=upload.filename))
            else:
                self.uploads.append((upload.filename, content, mimetype))
        if problems:
            self.errors["attachments"] = self.env._(
                "Photos or Documents: %(problems)s", problems=" ".join(problems)
            )

    def fail(self, message):
        """An error found when registering (e.g. a rule of the complaint itself)."""
        self.errors["form"] = message

    def values(self):
        """What the template needs to show the form again as typed."""
        return {
            "subject": self.subject,
            "description": self.description,
            "lines": self.lines,
            "line_labels": [self.env._("Line %(line)s", line=index + 1) for index in range(len(self.lines))],
            "errors": self.errors,
            "line_errors": self.line_errors,
            "messages": self.messages(),
            "files_dropped": bool(self.files),
        }


def _parse_quantity(text):
    """The number typed, or None when it is none (empty, not a number, infinite)."""
    try:
        number = float(text or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None
