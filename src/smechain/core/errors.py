"""Errors of the ledger core.

Each failure a transaction can meet has its own class and a stable ``code``;
the code and message become the transaction's receipt, so every peer records
the same failure in the same words.
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


class TxRejected(LedgerError):
    """A transaction refused before it ran: it changes no state at all."""

    code = "rejected"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ContractError(LedgerError):
    """A contract refused an action; the receipt carries ``code`` and the message."""

    code = "contract_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
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
