"""Odoo's transactional outbox, seen from the agent.

:mod:`sync_agent.outbox.models` holds the pydantic models of what crosses
the boundary (claimed events, status, supplier answers, receipts);
:mod:`sync_agent.outbox.gateway` claims events, acks and fails them over
Odoo's RPC; :mod:`sync_agent.outbox.contract` checks both sides against the
RPC contract schema that Odoo's tests check too.
"""
