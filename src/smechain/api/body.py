"""JSON request bodies as the ledger can take them.

Every integer the ledger encodes is a signed 64-bit word, and every string is
UTF-8. A JSON body breaks that with an integer literal of any length (past 4300
digits Python will not even convert it, and the framework answers a bare 400)
or a ``\\ud800`` escape (a lone surrogate no encoder takes). :class:`LedgerJsonRoute`
parses each JSON body once, keeps over-long integer literals as text, and refuses
the body with a 422 naming the first such field, before any model sees it. A body that
is not UTF-8, not JSON, or nested deeper than ``MAX_DEPTH`` is refused as ``body``.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from smechain.api.errors import ApiError
from smechain.core.encoding import INT_MAX, INT_MIN, beyond_int64, parse_json_int, shown


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False  # a body must say it is JSON (FastAPI would not read it as JSON)
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json"))


def _valid_text(s: str) -> bool:
    try:
        s.encode()
    except UnicodeEncodeError:
        return False
    return True


MAX_DEPTH = 32
"""Deepest nesting of arrays and objects a body may have (no route needs more than a few)."""


def body_problem(value: Any) -> tuple[str, str] | None:
    """The first field of a parsed body the ledger cannot take, and why (or ``None``).

    Fields are named as validation errors name them: ``invoices[0].amount``; a body
    nested deeper than ``MAX_DEPTH`` is refused as ``body``.
    """
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        where, v, depth = stack.pop()
        field = where or "body"
        if depth > MAX_DEPTH:
            return "body", f"body: nested deeper than {MAX_DEPTH} levels"
        if beyond_int64(v):
            return field, (f"{field}: {shown(v)} is beyond the ledger's 64-bit integers "
                           f"({INT_MIN} to {INT_MAX})")
        if isinstance(v, str) and not _valid_text(v):
            return field, f"{field}: not valid Unicode (a lone surrogate escape)"
        if isinstance(v, list):
            stack.extend((f"{where}[{i}]", x, depth + 1) for i, x in reversed(list(enumerate(v))))
        elif isinstance(v, dict):
            for k, x in reversed(list(v.items())):
                name = k if _valid_text(k) else ascii(k)
                path = f"{where}.{name}" if where else name
                if name != k:
                    return path, f"{path}: the name is not valid Unicode (a lone surrogate)"
                stack.append((path, x, depth + 1))
    return None


class _LedgerJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_ledger_json"):
            self._ledger_json = json.loads(await self.body(), parse_int=parse_json_int)
        return self._ledger_json


class LedgerJsonRoute(APIRoute):
    """A route whose JSON body is refused with a 422 naming the field when it holds an
    integer beyond 64 bits or text that is not Unicode."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler
        takes_form = any(isinstance(p.field_info, params.Form)
                         for p in self.dependant.body_params)

        async def checked(request: Request) -> Response:
            request = _LedgerJsonRequest(request.scope, request.receive)
            content_type = request.headers.get("content-type")
            if not takes_form and not _is_json(content_type) and await request.body():
                shown_type = (content_type or "none")[:80]
                return JSONResponse(ApiError(
                    415, "unsupported_media_type", "content-type",
                    f"content-type: the body must be application/json, not {shown_type!r}"
                    ).body(), 415)
            if _is_json(content_type) and await request.body():
                try:
                    problem = body_problem(await request.json())
                except RecursionError:
                    problem = "body", f"body: nested deeper than {MAX_DEPTH} levels"
                except UnicodeDecodeError as exc:
                    problem = "body", f"body: not UTF-8 text (byte {exc.start} is invalid)"
                except json.JSONDecodeError as exc:
                    problem = "body", (f"body: not JSON ({exc.msg} at line {exc.lineno}, "
                                       f"column {exc.colno})")
                if problem is not None:
                    field, message = problem
                    return JSONResponse(ApiError(422, "bad_args", field, message).body(), 422)
            return await handler(request)

        return checked
