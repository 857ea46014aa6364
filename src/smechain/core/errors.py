"""Errors of the ledger core.

Each failure a transaction can meet has its own class and a stable ``code``;
the code, the field at fault and the message become the transaction's receipt,
so every peer records the same failure in the same words.

A refusal names its field as a value (``field``: ``amount``, ``invoices[0]``,
``buyer``), never only inside its text: the API and the SDK read ``field``,
nothing parses ``message``. The message is ``"<field>: <reason>"``, or the
reason alone when no one field is at fault (``field == ""``: the refusal
concerns the whole transaction, e.g. who signed it).
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports."""

    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DecodeError(LedgerError):
    """Bytes that are not the canonical encoding of the expected value."""

    code = "malformed"


def _message(field: str, reason: str) -> str:
    return f"{field}: {reason}" if field else reason


class TxRejected(LedgerError):
    """A transaction refused before it ran: it changes no state at all."""

    code = "rejected"

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(_message(field, reason))
        self.code = code
        self.field = field
        """The transaction's field at fault (``nonce``, ``signers``), or ``""``."""
        self.reason = reason
        """The message without its field."""


class ContractError(LedgerError):
    """A contract refused an action: ``ContractError(field, reason)``.

    ``field`` is the argument at fault (``""`` when the refusal concerns the
    whole transaction); the receipt carries ``code``, ``field`` and ``message``
    (``"<field>: <reason>"``).
    """

    code = "contract_error"

    def __init__(self, field: str, reason: str, code: str | None = None) -> None:
        super().__init__(_message(field, reason))
        self.field = field
        """The argument at fault, e.g. ``amount`` or ``invoices[0].amount``; ``""`` for none."""
        self.reason = reason
        """The message without its field."""
        if code is not None:
            self.code = code


class BadArguments(ContractError):
    """An action's arguments are missing, of the wrong type or out of range."""

    code = "bad_args"


class Unauthorised(ContractError):
    """The signers may not perform this action."""

    code = "unauthorised"


class NotFound(ContractError):
    """The action names an object that does not exist."""

    code = "not_found"


class Conflict(ContractError):
    """The action conflicts with the object's current state."""

    code = "conflict"


class InsufficientFunds(ContractError):
    """A balance is too small for the amount asked."""

    code = "insufficient_funds"
