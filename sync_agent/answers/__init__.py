"""What comes back from the outside, on its way into Odoo.

:mod:`sync_agent.answers.supplier` polls a supplier portal for answers to
SCARs and hands them to Odoo; :mod:`sync_agent.answers.fda_ack` parses FDA
acknowledgements of submitted eMDRs, and :mod:`sync_agent.answers.ack_inbox`
watches the folder they arrive in.
"""
