"""Server-sent events: committed events the caller may see, as ``Event`` records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import httpx

from smechain.client.errors import ConnectionFailed, error_from_response
from smechain.client.models import Event


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    """``(id, event, data)`` for each dispatched server-sent event; comments are skipped."""
    event_id, name = "", ""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event_id, name or "message", "\n".join(data)
            name, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value


class EventStream:
    """An open ``GET /v1/events`` stream; iterate it for ``Event``s, close it when done.

    The connection opens on ``with`` (or the first ``next``); once it is open the
    server delivers every event committed afterwards, so a caller can open the
    stream, submit a transaction, and read that transaction's events.
    """

    def __init__(self, http: httpx.Client, params: dict[str, Any], headers: dict[str, str],
                 timeout: float | None) -> None:
        self._http = http
        self._params = params
        self._headers = headers
        self._timeout = timeout
        self._response: httpx.Response | None = None
        self._events: Iterator[Event] | None = None

    def open(self) -> EventStream:
        """Connect (idempotent); raises the API's typed error if the server refuses."""
        if self._response is not None:
            return self
        timeout = httpx.Timeout(self._http.timeout.connect, read=self._timeout)
        request = self._http.build_request("GET", "/v1/events", params=self._params,
                                           headers=self._headers, timeout=timeout)
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise ConnectionFailed(str(request.url), str(exc) or type(exc).__name__) from exc
        if response.status_code != 200:
            response.read()
            response.close()
            raise error_from_response(response)
        self._response = response
        self._events = self._read(response)
        return self

    def _read(self, response: httpx.Response) -> Iterator[Event]:
        try:
            for event_id, name, data in parse_sse(response.iter_lines()):
                yield Event.from_sse(event_id, name, json.loads(data))
        except httpx.TransportError as exc:
            raise ConnectionFailed(str(response.url), str(exc) or type(exc).__name__) from exc

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        self.open()
        assert self._events is not None
        return next(self._events)

    def close(self) -> None:
        """Disconnect."""
        if self._response is not None:
            self._response.close()

    def __enter__(self) -> EventStream:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
