"""Getting a rendered document where it belongs, exactly once.

:mod:`sync_agent.delivery.worker` runs the cycle (claim, map, deliver,
journal, ack or fail); :mod:`sync_agent.delivery.portal` posts JSON to a
supplier portal with bounded retries; :mod:`sync_agent.delivery.submission`
writes regulator files into the submission folder; and
:mod:`sync_agent.delivery.journal` remembers what was delivered, so that a
lost ack never becomes a second delivery.
"""
