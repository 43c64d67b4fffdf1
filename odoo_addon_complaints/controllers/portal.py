# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customer portal: the customer's complaints, new complaints from delivered goods, answers to solutions.

Every page reads the complaint as the portal user first (ACL and the record
rule per commercial entity decide), then renders it with ``sudo`` limited to
what the templates show: stage, promised dates, the public messages and the
solution. Internal notes, costs and the investigation never reach a template.
"""

from markupsafe import Markup, escape

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

#: deadlines a customer is promised, in the order they are shown
PROMISED_DEADLINES = ("acknowledge", "reply", "close")
#: what a customer may attach to a new complaint
ALLOWED_UPLOAD_TYPES = ("image/", "application/pdf", "video/")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ComplaintPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "complaint_count" in counters:
            complaints = request.env["quality.complaint"]
            values["complaint_count"] = (
                complaints.search_count(self._complaint_domain()) if complaints.has_access("read") else 0
            )
        return values

    def _complaint_domain(self):
        """The record rule already limits portal users to their commercial entity; say it again for internal users."""
        return [("commercial_partner_id", "=", request.env.user.commercial_partner_id.id)]

    # List and page

    @http.route(["/my/complaints", "/my/complaints/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_complaints(self, page=1, **kw):
        Complaint = request.env["quality.complaint"]
        domain = self._complaint_domain()
        values = self._prepare_portal_layout_values()
        pager = portal_pager(
            url="/my/complaints", total=Complaint.search_count(domain), page=page, step=self._items_per_page
        )
        complaints = Complaint.search(
            domain, order="date_received desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        request.session["my_complaints_history"] = complaints.ids[:100]
        values.update(
            {
                "complaints": complaints.sudo(),
                "page_name": "complaint",
                "pager": pager,
                "default_url": "/my/complaints",
                "promised": self._promised_dates,
            }
        )
        return request.render("odoo_addon_complaints.portal_my_complaints", values)

    @staticmethod
    def _promised_dates(complaint_sudo):
        """(label, due, done) of the deadlines promised to the customer, in the company's time zone."""
        company = complaint_sudo.company_id
        labels = dict(complaint_sudo.deadline_ids._fields["kind"]._description_selection(request.env))
        rows = []
        for kind in PROMISED_DEADLINES:
            deadline = complaint_sudo.deadline_ids.filtered(lambda d, kind=kind: d.kind == kind)[:1]
            if deadline:
                rows.append(
                    (
                        labels.get(kind, kind),
                        company._complaints_format_datetime(deadline.date_due),
                        company._complaints_format_datetime(deadline.date_done) if deadline.date_done else "",
                    )
                )
        return rows

    @http.route(["/my/complaints/<int:complaint_id>"], type="http", auth="public", website=True)
    def portal_my_complaint(self, complaint_id, access_token=None, **kw):
        try:
            complaint_sudo = self._document_check_access("quality.complaint", complaint_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._complaint_page_values(complaint_sudo, access_token, **kw)
        return request.render("odoo_addon_complaints.portal_complaint_page", values)

    def _complaint_page_values(self, complaint_sudo, access_token, **kw):
        values = self._get_page_view_values(
            complaint_sudo, access_token, {}, "my_complaints_history", False, **kw
        )
        values.update(
            {
                "complaint": complaint_sudo,
                "page_name": "complaint",
                "promised": self._promised_dates(complaint_sudo),
                # The chatter posts with the token: the customer reads a complaint but does not write it.
                "token": complaint_sudo._portal_ensure_token(),
                "can_answer": bool(
                    complaint_sudo.date_reply
                    and complaint_sudo.stage_id.state not in ("done", "rejected")
                    and request.env.user._is_portal()
                ),
                "answer_error": kw.get("answer_error"),
            }
        )
        return values

    # The customer's answer to the proposed solution

    @http.route(
        ["/my/complaints/<int:complaint_id>/answer"], type="http", auth="user", methods=["POST"], website=True
    )
    def portal_complaint_answer(self, complaint_id, decision=None, note=None, **kw):
        complaint = request.env["quality.complaint"].browse(complaint_id)
        try:
            if decision == "accept":
                complaint.action_portal_accept_solution(note=note)
            elif decision == "reject":
                complaint.action_portal_reject_solution(note=note)
            else:
                raise UserError(request.env._("Choose to accept or to reject the proposed solution."))
        except (AccessError, MissingError):
            return request.redirect("/my")
        except UserError as error:
            complaint_sudo = complaint.sudo()
            values = self._complaint_page_values(complaint_sudo, None, answer_error=str(error))
            return request.render("odoo_addon_complaints.portal_complaint_page", values)
        return request.redirect(f"/my/complaints/{complaint_id}")

    # New complaint

    def _delivered_move_lines(self):
        """Done deliveries to the customer's commercial entity, in the companies the user may see."""
        partner = request.env.user.commercial_partner_id
        return (
            request.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("picking_id.partner_id", "child_of", partner.id),
                    ("company_id", "in", request.env.user.company_ids.ids),
                ],
                order="date desc, id desc",
                limit=200,
            )
        )

    @http.route(["/my/complaints/new"], type="http", auth="user", methods=["GET"], website=True)
    def portal_complaint_new(self, **kw):
        if not request.env.user._is_portal():
            return request.redirect("/odoo/action-odoo_addon_complaints.action_quality_complaint")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "complaint_new",
                "move_lines": self._delivered_move_lines(),
                "error": kw.get("error"),
                "form": kw.get("form") or {},
            }
        )
        return request.render("odoo_addon_complaints.portal_complaint_new", values)

    @http.route(["/my/complaints/new"], type="http", auth="user", methods=["POST"], website=True)
    def portal_complaint_create(self, **post):
        if not request.env.user._is_portal():
            return request.redirect("/my")
        try:
            complaint_sudo = self._create_portal_complaint(post)
        except (UserError, ValidationError) as error:
            return self.portal_complaint_new(error=str(error.args[0] if error.args else error), form=post)
        return request.redirect(complaint_sudo.get_portal_url())

    def _create_portal_complaint(self, post):
        """Register the complaint as the customer said, with the same checks as inside Odoo.

        The delivered move line must be one of the customer's; the line
        constraints of ``quality.complaint.line`` (lot delivered to this
        customer, quantity not above what was delivered) then run as for any
        complaint, and refuse with the same messages.
        """
        user = request.env.user
        subject = (post.get("subject") or "").strip()
        if not subject:
            raise UserError(request.env._("Give your complaint a subject."))
        try:
            move_line_id = int(post.get("move_line_id") or 0)
            quantity = float(post.get("quantity") or 0)
        except ValueError as error:
            raise UserError(request.env._("Choose a delivered item and a quantity.")) from error
        move_line = self._delivered_move_lines().filtered(lambda ml: ml.id == move_line_id)
        if not move_line:
            raise UserError(request.env._("Choose one of the items delivered to you."))
        if quantity <= 0:
            raise UserError(request.env._("The quantity must be more than zero."))
        files = [f for f in request.httprequest.files.getlist("attachments") if f and f.filename]
        uploads = []
        for upload in files:
            content = upload.read()
            mimetype = upload.mimetype or ""
            if not mimetype.startswith(ALLOWED_UPLOAD_TYPES):
                raise UserError(
                    request.env._(
                        "%(file)s: only photos, videos and PDF files can be attached.", file=upload.filename
                    )
                )
            if len(content) > MAX_UPLOAD_BYTES:
                raise UserError(request.env._("%(file)s is larger than 10 MB.", file=upload.filename))
            uploads.append((upload.filename, content, mimetype))
        company = move_line.company_id
        sale_line = move_line.move_id.sale_line_id
        contact = (
            user.partner_id if user.partner_id != user.commercial_partner_id else request.env["res.partner"]
        )
        with request.env.cr.savepoint():
            complaint_sudo = (
                request.env["quality.complaint"]
                .with_company(company)
                .sudo()
                .create(
                    {
                        "subject": subject,
                        "description": post.get("description") and _html_paragraphs(post["description"]),
                        "company_id": company.id,
                        "partner_id": user.commercial_partner_id.id,
                        "contact_id": contact.id,
                        "channel": "web",
                        "reporter_role": "customer",
                        "line_ids": [
                            (
                                0,
                                0,
                                {
                                    "product_id": move_line.product_id.id,
                                    "lot_id": move_line.lot_id.id,
                                    "sale_order_id": sale_line.order_id.id,
                                    "sale_line_id": sale_line.id,
                                    "picking_id": move_line.picking_id.id,
                                    "qty_complained": quantity,
                                },
                            )
                        ],
                    }
                )
            )
            complaint_sudo.flush_recordset()
            complaint_sudo.line_ids.flush_recordset()
        complaint_sudo.with_context(mail_create_nosubscribe=True).message_post(
            body=request.env._("Complaint registered on the customer portal by %(user)s.", user=user.name),
            author_id=user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[(name, content) for name, content, _mimetype in uploads],
        )
        complaint_sudo.message_subscribe(partner_ids=user.partner_id.ids)
        return complaint_sudo


def _html_paragraphs(text):
    """Plain text typed by the customer as safe HTML paragraphs."""
    return Markup("").join(Markup("<p>%s</p>") % escape(part) for part in text.splitlines() if part.strip())
