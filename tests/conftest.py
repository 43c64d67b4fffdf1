"""Loads the Odoo harness plugin (``tests/odoo_harness``) for every test directory."""

pytest_plugins = ["odoo_harness"]
