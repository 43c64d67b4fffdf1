"""Every error the sync agent raises on purpose, as one tree.

One root, :class:`SyncAgentError`, so that a caller can catch "anything the
agent knows about" in one clause and let real bugs through; and one question
every error answers the same way, :attr:`SyncAgentError.retryable`: may the
same work succeed if it is tried again later? The worker reports that answer
to Odoo (a retryable failure is claimed again after a back-off, a permanent
one waits for a person), so it travels with the error instead of beside it
as a loose boolean.

The tree follows the data::

    SyncAgentError
    ├── ConfigError                  settings or mapping files are wrong (a person fixes them)
    │   ├── MappingFileError
    │   └── PortalNotConfigured
    ├── GatewayError                 a call to Odoo did not complete (retryable)
    │   ├── GatewayUnavailable       not reached or no answer in time (retryable)
    │   └── GatewayCallError         Odoo raised; retryable unless it refused the data
    ├── ContractViolation            a value breaks the outbox RPC contract
    ├── MappingError                 an event cannot become a document (permanent)
    │   ├── RuleError                one rule could not produce its value
    │   ├── PayloadInvalid           the payload breaks the mapping's input schema
    │   ├── DocumentInvalid          the document breaks its schema; ``problems`` say where
    │   ├── TransformError           a transform refused a value or an argument
    │   └── SchemaPathError          a field path is not in a schema
    ├── PortalError                  a portal call failed; retryable per status
    ├── DeliveryFailed               the worker could not deliver for a reason of its own
    └── AckFormatError               a file is no FDA acknowledgement this parser knows

The errors that were :class:`ValueError` before the tree existed
(``TransformError``, ``SchemaPathError``, ``ContractViolation``,
``AckFormatError``) still are, so that code catching bad values keeps doing so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AckFormatError",
    "ConfigError",
    "ContractViolation",
    "DeliveryFailed",
    "DocumentInvalid",
    "GatewayCallError",
    "GatewayError",
    "GatewayUnavailable",
    "MappingError",
    "MappingFileError",
    "PayloadInvalid",
    "PortalError",
    "PortalNotConfigured",
    "Problem",
    "RuleError",
    "SchemaPathError",
    "SyncAgentError",
    "TransformError",
]


class SyncAgentError(Exception):
    """Root of the agent's errors.

    ``retryable`` says whether the same work may succeed later. Each class
    states its usual answer; an error whose answer depends on the case (a
    portal's status, Odoo's kind of exception) sets it on the instance.
    """

    retryable: bool = False

    def __init__(self, message: str = "", *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable  # the instance's own answer


# -- configuration ----------------------------------------------------------------------
class ConfigError(SyncAgentError):
    """The configuration is missing, unreadable or invalid.

    ``problems`` holds one human-readable line per problem, each naming the
    offending field and where it can be set, so the CLI can list them all at
    once instead of making the user fix them one run at a time.
    """

    def __init__(self, problems: list[str], *, about: str = "invalid configuration") -> None:
        self.problems: list[str] = problems
        super().__init__(f"{about}:\n" + "\n".join(f"  - {p}" for p in problems))


class MappingFileError(ConfigError):
    """One or more mapping files are invalid; ``problems`` names file and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems, about="invalid mapping file(s)")


class PortalNotConfigured(ConfigError):
    """``run``/``once``/``replay`` need a ``[portal]`` configuration, unless
    the mappings have regulator targets to serve."""

    def __init__(self) -> None:
        message = (
            "portal is not configured: set COMPLAINTS_PORTAL_URL and COMPLAINTS_PORTAL_TOKEN or "
            "COMPLAINTS_PORTAL_TOKEN_FILE, or a [portal] table in the config file "
            "(the mappings have no regulator target to serve without one)"
        )
        self.problems = [message]
        SyncAgentError.__init__(self, message)  # one problem: said plainly, not as a list


# -- Odoo's outbox ----------------------------------------------------------------------
class GatewayError(SyncAgentError):
    """A call to Odoo did not complete."""

    retryable: bool = True


class GatewayUnavailable(GatewayError):
    """Odoo could not be reached or did not answer in time; try again later."""


class GatewayCallError(GatewayError):
    """Odoo answered with an error (the server-side method raised).

    ``kind`` is Odoo's exception class (``odoo.exceptions.UserError``...), so
    that a business refusal can be told from a crash or an access problem;
    a refusal is not retryable, anything else is.
    """

    def __init__(self, message: str, kind: str | None = None) -> None:
        self.kind = kind
        super().__init__(message, retryable=not self.is_refusal)

    @property
    def is_refusal(self) -> bool:
        """Odoo refused the data itself: sending it again cannot help."""
        return self.kind in ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError")


class ContractViolation(SyncAgentError, ValueError):
    """A value crossing the outbox RPC boundary does not keep the contract."""


# -- mapping ----------------------------------------------------------------------------
class MappingError(SyncAgentError):
    """An event cannot be turned into a document. Permanent: retrying the same
    payload with the same mapping gives the same result."""


class RuleError(MappingError):
    """One rule could not produce its value (a transform refused it).

    ``target`` is the rule's target path as segments (list items as
    ``name[i]``), so that a document mapping can name the element it would
    have filled.
    """

    def __init__(self, message: str, target: tuple[str, ...]) -> None:
        super().__init__(message)
        self.target = target


class PayloadInvalid(MappingError):
    """The outbox payload does not match the mapping's input schema."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a document cannot be delivered: where and what.

    ``path`` is the XPath of an XML element (``/incident/admin_info/ncaReportNo``),
    the JSON path of a payload or document field (``$.payload.manufacturer.city``)
    or a form field (``/registration_no``); Odoo shows path and message on the report.
    """

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The shape Odoo's ``sync_report_invalid`` takes."""
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DocumentInvalid(MappingError):
    """The document does not match its schema, or cannot be built from the
    payload; ``problems`` lists every reason found (at least one)."""

    def __init__(
        self, message: str, json_path: str | None = None, *, problems: Sequence[Problem] | None = None
    ) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems) if problems else [Problem(json_path or "", message)]
        self.json_path = json_path if json_path is not None else self.problems[0].path

    @classmethod
    def of(cls, about: str, problems: Sequence[Problem]) -> DocumentInvalid:
        """``about: path: message; path: message`` (every problem named)."""
        return cls(f"{about}: " + "; ".join(map(str, problems)), problems=problems)


class TransformError(MappingError, ValueError):
    """A transform got a value (or, at load time, an argument) it cannot handle."""


class SchemaPathError(MappingError, ValueError):
    """A field path does not exist in a schema."""


# -- delivery and answers ---------------------------------------------------------------
class PortalError(SyncAgentError):
    """A portal call failed. ``retryable`` says whether the same request may
    succeed later; ``retry_after`` is the portal's requested delay, if any."""

    def __init__(
        self, message: str, *, retryable: bool, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.status, self.retry_after = status, retry_after


class DeliveryFailed(SyncAgentError):
    """An event was not delivered for a reason outside the portal and the
    mapping: nowhere to deliver it, a file not written, Odoo not told, a bug.
    ``retryable`` is set per case (a missing portal stays missing; a full
    disk or a bug fixed by the next release may not)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message, retryable=retryable)


class AckFormatError(SyncAgentError, ValueError):
    """The file is not an FDA acknowledgement this parser knows."""
