"""Serving the API with uvicorn: JSON logs, a foreground server, and one in a thread for tests."""

from __future__ import annotations

import http
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from smechain.api.limits import MAX_HEAD, error_json
from smechain.ordering.natsserver import free_port


class JsonErrorsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a bound on a request's head, answering what it
    refuses in the API's JSON error shape.

    uvicorn puts no limit on the request line and headers: a stranger's 200 MB header
    would be buffered in full. Here the bytes that arrive before a request's head is
    complete are counted; past ``MAX_HEAD`` the answer is 431 and the connection
    closes. Requests the parser cannot read at all get a 400 in the same shape.
    """

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        self._head_bytes = 0
        self._in_head = True
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD and not self.transport.is_closing():
            self._send_error(431, "too_large", "headers", f"headers: the request line and "
                             f"headers pass {MAX_HEAD} bytes")

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head, self._head_bytes = True, 0
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        self._send_error(400, "bad_request", "request",
                         f"request: not a well-formed HTTP/1.1 request ({msg.rstrip('.')})")

    def _send_error(self, status: int, code: str, field: str, message: str) -> None:
        body = error_json(status, code, field, message)
        phrase = http.HTTPStatus(status).phrase.encode()
        head = [b"HTTP/1.1 %d %s\r\n" % (status, phrase)]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\n"
                    b"connection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def configure_logging(level: str = "info") -> None:
    """One JSON object per line on stderr, for the peer and its API."""
    structlog.configure(
        processors=[structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


def _config(app: FastAPI, host: str, port: int, trusted_proxies: str | None) -> uvicorn.Config:
    # The client address (sign-in throttling keys on it) is the connection's own, unless
    # it comes from a proxy the operator named: only then is X-Forwarded-For believed.
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                          loop="uvloop", http=JsonErrorsProtocol, lifespan="off",
                          timeout_graceful_shutdown=2, proxy_headers=bool(trusted_proxies),
                          forwarded_allow_ips=trusted_proxies or None)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def serve(app: FastAPI, host: str, port: int, trusted_proxies: str | None = None) -> None:
    """Serve until SIGINT or SIGTERM, then return (so callers close their node cleanly).

    ``trusted_proxies``: comma-separated addresses or networks of reverse proxies whose
    ``X-Forwarded-For`` names the client; by default no proxy is trusted.
    """
    # uvicorn shuts down gracefully, then re-raises the signal it caught; turn that
    # into KeyboardInterrupt for SIGTERM too, instead of dying before cleanup.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        uvicorn.Server(_config(app, host, port, trusted_proxies)).run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Running:
    """A server running on a background thread."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def serve_in_thread(app: FastAPI, host: str = "127.0.0.1", port: int | None = None,
                    timeout: float = 10.0, trusted_proxies: str | None = None) -> Running:
    """Start serving on a thread; returns once the server accepts connections.
    ``trusted_proxies`` as for ``serve``."""
    port = port or free_port()
    server = uvicorn.Server(_config(app, host, port, trusted_proxies))
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the API server did not start on {host}:{port}")
        time.sleep(0.02)
    return Running(server, thread, f"http://{host}:{port}")
