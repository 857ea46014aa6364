"""The web portal: a single page of plain HTML and ES modules that the peer serves.

The page talks only to the HTTP API (docs/api.md); nothing here reads the
ledger. ``mount_portal`` adds ``GET /`` (the page), ``/static`` (the shell's
files), ``GET /portal/manifest.json`` (the views, messages and events of the
shell and the modules, ``smechain.web.manifest``) and ``/portal/modules/<name>``
(each module's ``portal/`` folder) to an API application, all left out of the
OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from smechain.web.manifest import STATIC_DIR, portal_folders, portal_manifest

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
    """Serve the portal page at ``/``, its files at ``/static``, its manifest and every
    module's portal folder on ``app``."""
    manifest = portal_manifest()

    @app.get("/", include_in_schema=False)
    def portal_page() -> FileResponse:
        """The portal's single page."""
        return FileResponse(STATIC_DIR / "index.html", headers=REVALIDATE)

    @app.get("/portal/manifest.json", include_in_schema=False)
    def portal_manifest_document() -> JSONResponse:
        """The views, panels, links, events and messages of the shell and the modules."""
        return JSONResponse(manifest, headers=REVALIDATE)

    app.mount("/static", PortalFiles(directory=STATIC_DIR), name="static")
    for place in portal_folders():
        if place.module is not None:
            app.mount(place.url, PortalFiles(directory=place.directory),
                      name=f"portal-{place.module}")
