from . import controllers
from . import models
from . import wizards


def post_init_hook(env):
    """Give existing warehouses their quarantine and operation types, and companies their complaint alias."""
    env["stock.warehouse"].with_context(active_test=False).search([])._create_complaint_quarantine_data()
    env["res.company"].with_context(active_test=False).search([])._complaints_setup_mail()
