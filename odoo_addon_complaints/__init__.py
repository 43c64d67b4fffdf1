from . import models
from . import wizards


def post_init_hook(env):
    """Give the warehouses that exist before installation their quarantine and operation types."""
    env["stock.warehouse"].with_context(active_test=False).search([])._create_complaint_quarantine_data()
