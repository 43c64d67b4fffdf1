# Copyright 2026 The Complaints Project contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Assert what a change put in the outbox, in the style of queue_job's ``trap_jobs``.

Partners learn of a change only through the sync events written in its
transaction, so a test of such a change says which events it expects::

    with trap_sync_events(self.env) as trap:
        scar.action_send()
    event = trap.assert_enqueued("scar.created", target="supplier_portal", record=scar,
                                 payload={"scar": {"number": scar.name}})
    trap.assert_enqueued_count(1)

The trap sees the events created inside the ``with`` block, and only those:
events already queued (demo data, the class set-up) or queued after the block
do not count. Unlike ``trap_jobs`` the events are really written: the outbox is
a table, and the tests of the agent's side (claim, ack, fail) need them there.
"""

import contextlib
import json

_MISSING = object()


def _payload_mismatch(expected, actual, path="payload"):
    """Where ``actual`` differs from ``expected``, or None.

    Dictionaries are compared as subsets (keys not named are not checked);
    any other value must be equal.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path} is {actual!r}, not an object"
        for key, value in expected.items():
            found = actual.get(key, _MISSING)
            if found is _MISSING:
                return f"{path}.{key} is missing"
            mismatch = _payload_mismatch(value, found, f"{path}.{key}")
            if mismatch:
                return mismatch
        return None
    if expected != actual:
        return f"{path} is {actual!r}, expected {expected!r}"
    return None


class SyncEventTrap:
    """The sync events enqueued inside a :func:`trap_sync_events` block."""

    def __init__(self, env):
        self._model = env["quality.sync.event"].sudo()
        self._after_id = self._last_id()
        self._until_id = None

    def _last_id(self):
        return self._model.search([], order="id desc", limit=1).id or 0

    def _close(self):
        self._until_id = self._last_id()

    @property
    def events(self):
        """Every event enqueued in the block, oldest first."""
        domain = [("id", ">", self._after_id)]
        if self._until_id is not None:
            domain.append(("id", "<=", self._until_id))
        return self._model.search(domain, order="id")

    def _describe(self, events=None):
        events = self.events if events is None else events
        if not events:
            return "no event was enqueued"
        return "enqueued: " + "; ".join(
            f"{event.event_type} for {event.target} on {event.res_model},{event.res_id}" for event in events
        )

    def filtered(self, event_type=None, target=None, record=None):
        """The trapped events of this type, for this target and this record (each optional)."""
        events = self.events
        if event_type is not None:
            events = events.filtered(lambda event: event.event_type == event_type)
        if target is not None:
            events = events.filtered(lambda event: event.target == target)
        if record is not None:
            record.ensure_one()
            events = events.filtered(
                lambda event: (event.res_model, event.res_id) == (record._name, record.id)
            )
        return events

    def assert_enqueued(self, event_type, target=None, record=None, payload=None, count=1):
        """Fail unless exactly ``count`` such events were enqueued; return them.

        ``payload`` is compared as a subset: the keys it names must hold these
        values, nested objects likewise, other keys are not checked.
        """
        events = self.filtered(event_type, target, record)
        wanted = (
            f"{event_type}"
            + (f" for {target}" if target else "")
            + (f" on {record.display_name}" if record else "")
        )
        if len(events) != count:
            raise AssertionError(
                f"expected {count} event(s) {wanted}, found {len(events)}; {self._describe()}"
            )
        if payload is not None:
            for event in events:
                mismatch = _payload_mismatch(payload, event.payload)
                if mismatch:
                    raise AssertionError(
                        f"event {wanted}: {mismatch}\n{json.dumps(event.payload, indent=1, default=str)}"
                    )
        return events

    def assert_not_enqueued(self, event_type=None, target=None, record=None):
        """Fail if any such event was enqueued (with no criteria: any event at all)."""
        events = self.filtered(event_type, target, record)
        if events:
            raise AssertionError(f"expected no such event; {self._describe(events)}")

    def assert_enqueued_count(self, count):
        """Fail unless the block enqueued ``count`` events in all."""
        if len(self.events) != count:
            raise AssertionError(
                f"expected {count} event(s) in all, found {len(self.events)}; {self._describe()}"
            )


@contextlib.contextmanager
def trap_sync_events(env):
    """Collect the ``quality.sync.event`` records enqueued inside the block."""
    trap = SyncEventTrap(env)
    try:
        yield trap
    finally:
        trap._close()
