# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError

#: what every portal record shows: its name, its portal link and the chatter
#: the portal user takes part in (the portal filters out internal notes)
PORTAL_COMMON_FIELDS = frozenset(
    {
        "id",
        "name",
        "display_name",
        "company_id",
        "access_url",
        "access_token",
        "access_warning",
        "create_date",
        "write_date",
        "message_ids",
        "website_message_ids",
        "message_partner_ids",
        "message_follower_ids",
        "message_is_follower",
        "message_attachment_count",
        "has_message",
    }
)


class QualityPortalFieldMixin(models.AbstractModel):
    """Only the fields listed in ``_portal_readable_fields`` reach portal users.

    Record rules decide which records a customer or supplier sees; this
    decides which of their fields: a field left off the list (investigation,
    people, costs, notes) is neither read nor written by a portal user,
    whatever the client asks for.
    """

    _name = "quality.portal.field.mixin"
    _description = "Fields a Portal User May Read"

    #: the only fields of the model a portal user can read
    _portal_readable_fields = frozenset()

    def _portal_restricted(self):
        return not self.env.su and self.env.user._is_portal()

    def _portal_field_refusal(self, operation, field_names):
        """The error a portal user gets for fields off the list; models say it in their words."""
        raise NotImplementedError

    @api.model
    def check_field_access_rights(self, operation, field_names):
        if not self._portal_restricted():
            return super().check_field_access_rights(operation, field_names)
        readable = self._portal_readable_fields
        if field_names:
            hidden = [name for name in field_names if name in self._fields and name not in readable]
            if hidden or operation != "read":
                raise AccessError(self._portal_field_refusal(operation, ", ".join(hidden or field_names)))
            return super().check_field_access_rights(operation, field_names)
        return [
            name for name in super().check_field_access_rights(operation, field_names) if name in readable
        ]

    def _determine_fields_to_fetch(self, field_names, ignore_when_in_cache=False):
        if self._portal_restricted():
            field_names = [name for name in field_names if name in self._portal_readable_fields]
        return super()._determine_fields_to_fetch(field_names, ignore_when_in_cache)
