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

from .portal_complaint_form import ComplaintPortalForm

#: deadlines a customer is promised, in the order they are shown
PROMISED_DEADLINES = ("acknowledge", "reply", "close")


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
        return self._render_complaint_form(ComplaintPortalForm(request.env))

    def _render_complaint_form(self, form):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "complaint_new",
                "move_lines": self._delivered_move_lines(),
                "form": form.values(),
            }
        )
        return request.render("odoo_addon_complaints.portal_complaint_new", values)

    @http.route(["/my/complaints/new"], type="http", auth="user", methods=["POST"], website=True)
    def portal_complaint_create(self, **post):
        """Send the form; or, with *Add a Product* / *Remove*, get it back with a row more or less."""
        if not request.env.user._is_portal():
            return request.redirect("/my")
        form = ComplaintPortalForm.from_request(request.env, request.httprequest)
        if "add_line" in post:
            form.add_line()
            return self._render_complaint_form(form)
        if "remove_line" in post:
            form.remove_line(post["remove_line"])
            return self._render_complaint_form(form)
        if not form.validate(self._delivered_move_lines()):
            return self._render_complaint_form(form)
        try:
            complaint_sudo = self._create_portal_complaint(form)
        except (UserError, ValidationError) as error:
            form.fail(str(error.args[0] if error.args else error))
            return self._render_complaint_form(form)
        return request.redirect(complaint_sudo.get_portal_url())

    def _create_portal_complaint(self, form):
        """Register the complaint as the customer said, with the lines of a checked form.

        ``form.validate`` checked each row against the customer's deliveries
        and the rules of ``quality.complaint.line``; the line constraints run
        again when the complaint is saved, as for any complaint.
        """
        user = request.env.user
        company = form.move_lines[0].company_id
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
                        "subject": form.subject,
                        "description": form.description and _html_paragraphs(form.description),
                        "company_id": company.id,
                        "partner_id": user.commercial_partner_id.id,
                        "contact_id": contact.id,
                        "channel": "web",
                        "reporter_role": "customer",
                        "line_ids": [(0, 0, values) for values in form.all_line_values()],
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
            attachments=[(name, content) for name, content, _mimetype in form.uploads],
        )
        complaint_sudo.message_subscribe(partner_ids=user.partner_id.ids)
        return complaint_sudo


def _html_paragraphs(text):
    """Plain text typed by the customer as safe HTML paragraphs."""
    return Markup("").join(Markup("<p>%s</p>") % escape(part) for part in text.splitlines() if part.strip())
