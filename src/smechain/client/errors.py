"""The SDK's exceptions: one class per kind of refusal, carrying the server's error body.

Every API refusal answers ``{"error": {status, code, field, message[, tx_hash, height]}}``;
``error_from_response`` turns it into the matching subclass of ``ApiError`` so callers
can ``except Conflict`` or ``except NotFound`` rather than compare status codes.
"""

from __future__ import annotations

from typing import Any

import httpx


class SmechainError(Exception):
    """Anything the SDK raises."""


class ConnectionFailed(SmechainError):
    """The server could not be reached, or stopped answering (connect or read failure)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        """The URL the request went to."""
        self.reason = reason
        """What the transport reported."""


class ApiError(SmechainError):
    """The server refused a request; nothing it refused was stored.

    A transaction that reached the ledger and failed there carries ``tx_hash``
    and ``height``: its failure receipt is on the chain.
    """

    def __init__(self, status: int, code: str, field: str, message: str,
                 tx_hash: str | None = None, height: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """HTTP status (401, 403, 404, 409, 422, 5xx)."""
        self.code = code
        """Short machine code: ``forbidden``, ``conflict``, ``bad_args``..."""
        self.field = field
        """The field at fault (e.g. ``invoices[0]``, ``args.amount``), or ``""``."""
        self.message = message
        """The server's reason; it starts with the field's name where there is one."""
        self.tx_hash = tx_hash
        """Hash of the transaction whose failure receipt is on the chain, if any."""
        self.height = height
        """Height of the block holding that receipt, if any."""

    def __repr__(self) -> str:
        extra = f", tx_hash={self.tx_hash!r}" if self.tx_hash else ""
        return (f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
                f"field={self.field!r}, message={self.message!r}{extra})")


class Unauthenticated(ApiError):
    """401: no token, or an unknown, expired or revoked one; or a wrong password."""


class Forbidden(ApiError):
    """403: signed in, but not allowed (the message says why)."""


class NotFound(ApiError):
    """404: no such object (or route)."""


class Conflict(ApiError):
    """409: conflicts with the ledger's state, e.g. an invoice already financed."""


class InvalidInput(ApiError):
    """422: a field is missing, of the wrong type or out of range."""


class ServerError(ApiError):
    """5xx: the server failed, is unavailable, or timed out waiting for the ledger."""


_BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthenticated, 403: Forbidden, 404: NotFound, 409: Conflict, 422: InvalidInput,
}


def error_class(status: int) -> type[ApiError]:
    """The exception class for an HTTP status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def error_from_response(response: httpx.Response) -> ApiError:
    """The typed error for a refused response (any body: JSON error or plain text)."""
    status = response.status_code
    detail: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        detail = body["error"]
    message = str(detail.get("message") or response.text.strip() or response.reason_phrase)
    return error_class(status)(
        status=int(detail.get("status", status)),
        code=str(detail.get("code", f"http_{status}")),
        field=str(detail.get("field", "")),
        message=message,
        tx_hash=detail.get("tx_hash"),
        height=detail.get("height"),
    )
