# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Supplier portal: the SCARs sent to the supplier's company, and their answers per step."""

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

from .portal_complaint_form import MAX_UPLOAD_BYTES

#: steps a supplier may answer, with what the answer is about
ANSWERABLE_STATES = ("requested", "answered", "rejected")
#: empty rows of containment actions, root causes and actions the answer form offers
PORTAL_ANSWER_ROWS = 3
#: steps whose answer form offers actions, and the step they go to by default
ACTION_STEP_DEFAULT = {"D4": "D5", "D5": "D5", "D6": "D6", "D7": "D7"}


class ScarPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "scar_count" in counters:
            scars = request.env["quality.scar"]
            values["scar_count"] = scars.search_count(self._scar_domain()) if scars.has_access("read") else 0
        return values

    def _scar_domain(self):
        return [
            ("supplier_id.commercial_partner_id", "=", request.env.user.commercial_partner_id.id),
            ("state", "not in", ("draft", "cancelled")),
        ]

    @http.route(["/my/scars", "/my/scars/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_scars(self, page=1, **kw):
        Scar = request.env["quality.scar"]
        domain = self._scar_domain()
        values = self._prepare_portal_layout_values()
        pager = portal_pager(
            url="/my/scars", total=Scar.search_count(domain), page=page, step=self._items_per_page
        )
        scars = Scar.search(domain, order="id desc", limit=self._items_per_page, offset=pager["offset"])
        request.session["my_scars_history"] = scars.ids[:100]
        values.update(
            {"scars": scars.sudo(), "page_name": "scar", "pager": pager, "default_url": "/my/scars"}
        )
        return request.render("odoo_addon_complaints.portal_my_scars", values)

    @http.route(["/my/scars/<int:scar_id>"], type="http", auth="user", website=True)
    def portal_my_scar(self, scar_id, access_token=None, **kw):
        try:
            scar_sudo = self._document_check_access("quality.scar", scar_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        return request.render(
            "odoo_addon_complaints.portal_scar_page", self._scar_page_values(scar_sudo, **kw)
        )

    def _scar_page_values(self, scar_sudo, **kw):
        values = self._get_page_view_values(scar_sudo, None, {}, "my_scars_history", False, **kw)
        values.update(
            {
                "scar": scar_sudo,
                "page_name": "scar",
                "token": scar_sudo._portal_ensure_token(),
                "answerable": ANSWERABLE_STATES if scar_sudo.state in ("open", "supplier_answered") else (),
                "answer_error": kw.get("answer_error"),
                "answer_rows": range(PORTAL_ANSWER_ROWS),
                "action_step_default": ACTION_STEP_DEFAULT,
                # read as the supplier: the record rules and the portal field whitelist hold
                "containment_places": request.env["quality.scar.containment"]
                ._fields["place"]
                ._description_selection(request.env),
                "supplier_containment": request.env["quality.scar.containment"].search(
                    [("scar_id", "=", scar_sudo.id)]
                ),
                "supplier_causes": request.env["quality.scar.cause"].search([("scar_id", "=", scar_sudo.id)]),
                "supplier_actions": request.env["quality.scar.action"].search(
                    [("scar_id", "=", scar_sudo.id)]
                ),
            }
        )
        return values

    @staticmethod
    def _quantity(text):
        """A quantity typed in the form; what is not a number is passed on for the answer's check to name."""
        text = (text or "").strip().replace(",", ".")
        try:
            return float(text) if text else None
        except ValueError:
            return text

    @classmethod
    def _answer_rows_from_form(cls, form):
        """Containment, root causes and actions of the answer form, in the sync agent's shape;
        empty rows skipped."""
        containment = [
            {
                "place": place or None,
                "action": action.strip(),
                "checked": cls._quantity(checked),
                "nonconforming": cls._quantity(nonconforming),
                "responsible": responsible.strip() or None,
                "date": date or None,
            }
            for place, action, checked, nonconforming, responsible, date in zip(
                form.getlist("containment_place"),
                form.getlist("containment_action"),
                form.getlist("containment_checked"),
                form.getlist("containment_nonconforming"),
                form.getlist("containment_responsible"),
                form.getlist("containment_date"),
                strict=False,
            )
            if action.strip()
        ]
        causes = [
            {
                "kind": kind,
                "level": level,
                "description": description.strip(),
                "result": result.strip() or None,
            }
            for kind, level, description, result in zip(
                form.getlist("cause_kind"),
                form.getlist("cause_level"),
                form.getlist("cause_description"),
                form.getlist("cause_result"),
                strict=False,
            )
            if description.strip()
        ]
        actions = [
            {
                "step": step,
                "action": action.strip(),
                "responsible": responsible.strip() or None,
                "date": date or None,
                "status": status or "open",
            }
            for step, action, responsible, date, status in zip(
                form.getlist("action_step"),
                form.getlist("action_name"),
                form.getlist("action_responsible"),
                form.getlist("action_date"),
                form.getlist("action_status"),
                strict=False,
            )
            if action.strip()
        ]
        return containment, causes, actions

    @http.route(["/my/scars/<int:scar_id>/answer"], type="http", auth="user", methods=["POST"], website=True)
    def portal_scar_answer(self, scar_id, step=None, summary=None, **kw):
        scar = request.env["quality.scar"].browse(scar_id)
        try:
            evidence = []
            for upload in request.httprequest.files.getlist("evidence"):
                if not upload or not upload.filename:
                    continue
                content = upload.read()
                if len(content) > MAX_UPLOAD_BYTES:
                    raise UserError(request.env._("%(file)s is larger than 10 MB.", file=upload.filename))
                evidence.append((upload.filename, content))
            containment, causes, actions = self._answer_rows_from_form(request.httprequest.form)
            scar.action_portal_answer_step(
                step, (summary or "").strip(), evidence, causes, actions, containment=containment
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        except UserError as error:
            values = self._scar_page_values(
                scar.sudo(), answer_error=str(error.args[0] if error.args else error)
            )
            return request.render("odoo_addon_complaints.portal_scar_page", values)
        return request.redirect(f"/my/scars/{scar_id}")
