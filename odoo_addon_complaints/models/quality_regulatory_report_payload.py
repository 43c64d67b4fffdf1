# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timezone

from odoo import fields, models
from odoo.tools import html2plaintext

PAYLOAD_VERSION = 1


def _date(value):
    return fields.Date.to_string(value) if value else None


def _text(value):
    return (value or "").strip() or None


def _utc(value):
    return value.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class QualityRegulatoryReport(models.Model):
    """The snapshot of a report sent to the sync agent (payload v1).

    Market-neutral: the agent's mapping for the report's form picks and
    reshapes what its regulator asks for (mappings/README.md documents the
    payload, mappings/schemas/regulatory_report_payload_v1.schema.json pins it).

    Dates are the company's calendar days (``res.company._complaints_tz``):
    an awareness at 00:30 in Brussels on 3 December is reported on
    3 December, though Odoo stores 23:30 UTC on 2 December. Only
    ``report.created_at`` is a UTC date-time.
    """

    _inherit = "quality.regulatory.report"

    def _regulatory_payload(self):
        self.ensure_one()
        event = self.adverse_event_id.sudo()
        company = self.company_id
        local_date = company._complaints_local_date
        return {
            "report": self._payload_report(),
            "complaint": {
                "number": event.complaint_id.name,
                "received_on": _date(local_date(event.complaint_id.date_received)),
                "channel": event.complaint_id.channel or None,
                "description": _text(html2plaintext(event.complaint_id.description or "")),
            },
            "event": self._payload_event(event),
            "device": self._payload_device(event),
            "manufacturer": self._payload_manufacturer(company),
            "investigation": {
                "preliminary_analysis": _text(event.preliminary_analysis),
                "initial_corrective_action": _text(event.initial_corrective_action),
                "further_investigations": _text(event.further_investigations),
                "root_cause": _text(event.root_cause),
                "root_cause_confirmed": event.root_cause_confirmed,
                "risk_assessment_reviewed": event.risk_assessment_reviewed,
                "corrective_action": _text(event.corrective_action),
                "final_comments": _text(event.final_comments),
                "conclusion": None,
                "similar_incidents_note": None,
            },
        }

    def _payload_report(self):
        decision = self.decision_id
        return {
            "uid": self.name,
            "name": self.name,
            "market": self.market_id.code,
            "form": self.form_id.code,
            "report_type": self.report_type,
            "follow_up_number": self.follow_up_number,
            "created_at": _utc(fields.Datetime.now()),
            "report_date": _date(self.company_id._complaints_today()),
            "due_date": _date(self.company_id._complaints_local_date(self.date_due)),
            "next_report_date": _date(self.next_report_date),
            "language": "zh" if self.market_id.code == "cn" else "en",
            "regulator": _text(self.regulator),
            "regulator_country": self.regulator_country_id.code or None,
            "regulator_ref": _text(self.regulator_ref),
            "mfr_report_number": self.mfr_report_number or None,
            "event_class": decision.event_class or self.adverse_event_id.classification or None,
            "remedial_action": bool(
                decision.remedial_action if decision else self.adverse_event_id.remedial_action
            ),
            "non_reportable_reason": _text(self.non_reportable_reason),
        }

    def _payload_event(self, event):
        return {
            "date_from": _date(event.date_event),
            "date_to": _date(event.date_event_end or event.date_event),
            "awareness_date": _date(event.date_awareness_local),
            "classification": event.classification or None,
            "outcome": event.outcome_ids.mapped("code"),
            "death_date": _date(event.death_date),
            "narrative": _text(event.narrative),
            "place_of_use": event.place_of_use or None,
            "country": event.country_id.code or None,
            "patients_involved": event.patients_involved or 1,
            "device_location": event.device_location or "unknown",
            "reporter": {
                "role": event.reporter_role or None,
                "organization": _text(event.reporter_organization),
                "country": event.reporter_country_id.code or None,
            },
            "patient": {
                "code": _text(event.patient_code),
                "age": event.patient_age or None,
                "age_unit": event.patient_age_unit if event.patient_age else None,
                "sex": event.patient_sex or "unknown",
                "weight_kg": event.patient_weight or None,
            },
            "relatedness": event.relatedness or None,
            "imdrf": {
                key: [
                    {"code": code.code, "fda_code": code.fda_code or None, "term": code.name}
                    for code in codes
                ]
                for key, codes in event._imdrf_codes().items()
            },
        }

    def _payload_device(self, event):
        product = event.product_id
        template = product.product_tmpl_id
        registration = template._device_registration(self.market_id)
        lot = event.lot_id
        serial = lot.name if lot and product.tracking == "serial" else None
        batch = lot.name if lot and product.tracking == "lot" else None
        expiry = lot["expiration_date"] if lot and "expiration_date" in lot._fields else None
        udi_pi = "".join(f"({ai}){value}" for ai, value in (("10", batch), ("21", serial)) if value) or None
        return {
            "name": product.name,
            "trade_name": _text(template.device_trade_name) or product.name,
            "model": _text(template.device_model),
            "catalogue_number": _text(product.default_code),
            "description": _text(product.description_sale) or product.name,
            "udi_di": _text(template.udi_di),
            "basic_udi_di": _text(template.basic_udi_di),
            "udi_pi": udi_pi,
            "lot": batch,
            "serial": serial,
            "expiry_date": _date(self.company_id._complaints_local_date(expiry)),
            "manufacture_date": None,
            "implant_date": None,
            "explant_date": None,
            "risk_class": registration.risk_class or None,
            "registration_number": registration.number or None,
            "nomenclature_code": _text(template.device_nomenclature_code),
            "fda_product_code": _text(template.fda_product_code),
            "software_version": None,
            "quantity": 1,
            "distribution_countries": sorted(
                set(
                    self.env["stock.move.line"]
                    .sudo()
                    .search([("lot_id", "=", lot.id), ("location_dest_id.usage", "=", "customer")])
                    .picking_id.partner_id.country_id.mapped("code")
                )
            )
            if lot
            else [],
            "operator": "healthcare_professional"
            if event.reporter_role in ("healthcare_professional", "user_facility")
            else "lay_user"
            if event.reporter_role == "patient"
            else "other",
            "returned_to_manufacturer": event.device_location == "with_manufacturer",
            "evaluated_by_manufacturer": "yes"
            if event.investigation_type_code_ids
            else ("no" if event.device_location == "with_manufacturer" else "not_returned"),
        }

    def _payload_manufacturer(self, company):
        partner = company.partner_id
        contact = company.vigilance_user_id.partner_id or self.adverse_event_id.user_id.partner_id
        first, _sep, last = (contact.name or "").partition(" ")
        return {
            "name": company.name,
            "street": _text(partner.street),
            "street_number": None,
            "zip": _text(partner.zip),
            "city": _text(partner.city),
            "state": partner.state_id.code or None,
            "country": partner.country_id.code or None,
            "phone": _text(partner.phone),
            "email": _text(contact.email or partner.email),
            "contact_first_name": _text(first),
            "contact_last_name": _text(last) or _text(first),
            "srn": _text(company.eu_srn),
            "fda_registration_number": _text(company.fda_registration_number),
            "nmpa_registrant": company.name,
        }
