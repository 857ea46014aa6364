"""The web portal: a single page of plain HTML and ES modules that the peer serves.

The page talks only to the HTTP API (docs/api.md); nothing here reads the
ledger. ``mount_portal`` adds ``GET /`` (the page) and ``/static`` (its files)
to an API application, both left out of the OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""The portal's files: ``index.html``, its scripts, styles and view modules."""

REVALIDATE = {"Cache-Control": "no-cache"}
"""Browsers keep the files but check their ETag on each load, so an upgraded peer never
serves a page whose modules come from two releases."""


class PortalFiles(StaticFiles):
    """Static files that browsers revalidate on every load."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(REVALIDATE)
        return response


def mount_portal(app: FastAPI) -> None:
    """Serve the portal page at ``/`` and its files at ``/static`` on ``app``."""

    @app.get("/", include_in_schema=False)
    def portal_page() -> FileResponse:
        """The portal's single page."""
        return FileResponse(STATIC_DIR / "index.html", headers=REVALIDATE)

    app.mount("/static", PortalFiles(directory=STATIC_DIR), name="static")
