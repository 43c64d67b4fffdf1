# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What Odoo 18's web client sends for an action's list, kanban and form views.

``views_of(env, action_xmlid)`` loads the action's views with ``get_views``
as the web client does, ``field_spec(...)`` turns a view's arch into the
``specification`` of ``web_search_read`` / ``web_read`` the way
``getFieldsSpec`` (web/static/src/model/relational_model/utils.js) does:
every ``<field>`` of the view; many2one and reference fields read their
``display_name``; one2many and many2many fields read the fields of their
inline sub-view (or of the comodel's default list view, or only
``display_name`` for tag-like widgets), with the sub-view's limit and
default order. Fields that are always invisible are read without sub-fields.
"""

from lxml import etree

LIST_LIMIT = 80  # RelationalModel.DEFAULT_LIMIT
COUNT_LIMIT = 10001  # DEFAULT_COUNT_LIMIT + 1, as _loadUngroupedList sends it
KANBAN_LIMIT = 40  # kanban arch parser's default limit (per group when grouped)
GROUP_LIMIT = 80  # DEFAULT_GROUP_LIMIT
MAX_OPEN_GROUPS = 10  # MAX_NUMBER_OPENED_GROUPS
X2MANY_LIMIT = 40  # default limit of an x2many sub-list in a form
TAG_WIDGETS = {"many2many_tags", "many2many_tags_avatar", "many2many_avatar_user", "many2many_checkboxes"}


def views_of(env, action_xmlid):
    """The action, and its list/kanban/form/search views with the fields of their models."""
    action = env.ref(action_xmlid)
    wanted = [[False, kind] for kind in ("list", "kanban", "form")] + [[False, "search"]]
    # the action's own views take precedence, as the web client asks for them
    by_kind = {view.view_mode: view.view_id.id for view in action.view_ids if view.view_id}
    if action.view_id:
        by_kind.setdefault(action.view_id.type, action.view_id.id)
    views = [[by_kind.get(kind, False), kind] for _ignored, kind in wanted]
    if action.search_view_id:
        views[-1][0] = action.search_view_id.id
    result = env[action.res_model].get_views(views, {"action_id": action.id, "load_filters": True})
    return action, result


def _is_always_invisible(node):
    return (node.get("invisible") or "").strip() in ("1", "True") or (
        node.get("column_invisible") or ""
    ).strip() in ("1", "True")


def _top_fields(node):
    """<field> nodes of this view, not those inside an x2many field's sub-view."""
    for child in node:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "field":
            yield child
            continue
        yield from _top_fields(child)


def _options(node):
    from odoo.tools.safe_eval import safe_eval

    try:
        return safe_eval(node.get("options") or "{}")
    except Exception:  # noqa: BLE001 - options referring to the record: none of ours
        return {}


def field_spec(env, model, arch, models, with_display_name=False, in_form=False):
    """The specification the web client sends for this arch (see the module docstring).

    In a form (``in_form``) an x2many field without an inline sub-view reads
    the fields of the comodel's default list view; in a list or kanban it
    reads only the ids, unless its widget shows tags.
    """
    root = etree.fromstring(arch) if isinstance(arch, str) else arch
    fields = models[model]["fields"] if model in models else env[model].fields_get()
    spec = {"display_name": {}} if with_display_name else {}
    for node in _top_fields(root):
        name = node.get("name")
        if name not in fields:
            continue
        info = fields[name]
        entry = spec.setdefault(name, {})
        invisible = _is_always_invisible(node)
        if info["type"] in ("many2one", "reference"):
            entry["fields"] = {} if invisible else {"display_name": {}}
            if not invisible and node.get("context"):
                entry["context"] = {}
        elif info["type"] in ("one2many", "many2many") and not invisible:
            sub = next((c for c in node if isinstance(c.tag, str) and c.tag in ("list", "kanban")), None)
            comodel = info["relation"]
            widget = node.get("widget") or ""
            if sub is not None:
                entry["fields"] = field_spec(env, comodel, sub, models)
                entry["limit"] = int(sub.get("limit") or X2MANY_LIMIT)
                if sub.get("default_order"):
                    entry["order"] = sub.get("default_order")
            elif widget in TAG_WIDGETS:
                entry["fields"] = {"display_name": {}}
                color = _options(node).get("color_field")
                if color:
                    entry["fields"][color] = {}
            elif not in_form:
                continue  # a list or kanban reads the ids only (e.g. activity_ids)
            else:
                sub_views = env[comodel].get_views([[False, "list"]])
                sub_arch = sub_views["views"]["list"]["arch"]
                entry["fields"] = field_spec(env, comodel, sub_arch, sub_views["models"])
                entry["limit"] = X2MANY_LIMIT
            entry["context"] = {}
    return spec


def default_domain(env, model, search_arch, context):
    """The domain of the search_default_* filters in ``context`` (like the search model)."""
    root = etree.fromstring(search_arch)
    parts = []
    for node in root.iter("filter"):
        name = node.get("name")
        if name and context.get(f"search_default_{name}") and node.get("domain"):
            parts.append(filter_domain(env, node.get("domain")))
    return and_domains(*parts)


def filter_domain(env, domain_text):
    """Evaluate a search filter's domain as the web client does (uid, context_today, relativedelta)."""
    from dateutil.relativedelta import relativedelta
    from odoo import fields
    from odoo.tools.safe_eval import datetime, safe_eval, time

    today = fields.Date.context_today(env.user)
    return safe_eval(
        domain_text,
        {
            "uid": env.uid,
            "context_today": lambda: today,
            "relativedelta": relativedelta,
            "datetime": datetime,
            "time": time,
        },
    )


def filter_named(search_arch, name):
    root = etree.fromstring(search_arch)
    for node in root.iter("filter"):
        if node.get("name") == name:
            return node.get("domain")
    raise KeyError(f"no filter {name} in the search view")


def and_domains(*domains):
    result = []
    for domain in domains:
        if not domain:
            continue
        result = ["&", *result, *domain] if result else list(domain)
    return result
