"""The API's refusals: an HTTP status, a short code, the field at fault and the reason."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal: HTTP status, a short code, the field at fault and the reason."""

    def __init__(self, status: int, code: str, field: str, message: str,
                 tx_hash: str | None = None, height: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field
        self.message = message
        self.tx_hash = tx_hash
        self.height = height

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        detail: dict[str, Any] = {"status": self.status, "code": self.code, "field": self.field,
                                  "message": self.message}
        if self.tx_hash is not None:
            detail["tx_hash"] = self.tx_hash
            detail["height"] = self.height
        return {"error": detail}


def forbidden(field: str, message: str) -> ApiError:
    """A 403 naming why."""
    return ApiError(403, "forbidden", field, f"{field}: {message}")


def not_found(field: str, message: str) -> ApiError:
    """A 404 naming what."""
    return ApiError(404, "not_found", field, f"{field}: {message}")
