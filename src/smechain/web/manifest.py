"""The portal's manifest: what the shell offers, gathered from the shell and the modules.

The shell declares its own views in ``static/views/manifest.json``; every module
with a ``portal`` part declares its views in ``<module>/portal/manifest.json``,
beside its scripts and its ``messages.json``. A declared item names the script
that exports it (``views.js`` unless it says otherwise) and the export:

- ``views``: ``id``; ``key``, the message of its title; ``export``; ``roles``, the
  organisation roles that get it (``admin``: the organisation's admins, ``*``:
  everyone); ``order`` in the menu; ``home``, the roles that land on it;
  ``actions``, the ``contract.action`` its controls take (each control carries
  ``data-action``).
- ``panels``: ``view`` (where it goes), ``export``, ``order``: a part of another view.
- ``links``: ``prefix``, ``export``: ``#/<prefix>/<id>`` calls ``export(id)``.
- ``events``: names of contract events on which the open view refreshes.
- ``listeners``: ``event``, ``export``: called with each such event's data.

``portal_manifest`` merges them, each item with its module and its script's URL,
and adds the modules' messages: what ``GET /portal/manifest.json`` answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smechain.modules import MODULES
from smechain.modules.parts import folder

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""The shell's files: ``index.html``, its scripts, styles and its own views."""

MODULES_URL = "/portal/modules"
"""Where each module's ``portal/`` folder is served, as ``<MODULES_URL>/<name>/``."""

ITEMS = ("views", "panels", "links", "listeners")
"""The manifest's lists of items that a script exports."""


@dataclass(frozen=True, slots=True)
class PortalFolder:
    """A folder of portal scripts with a ``manifest.json``: the shell's or a module's."""

    module: str | None
    """The module's name; ``None`` for the shell."""
    directory: Path
    url: str
    """Where the folder is served."""


def portal_folders() -> list[PortalFolder]:
    """The shell's views folder, then each module's ``portal/`` folder, in ``MODULES`` order."""
    shell = PortalFolder(None, STATIC_DIR / "views", "/static/views")
    return [shell, *(PortalFolder(m.name, folder(m) / "portal", f"{MODULES_URL}/{m.name}")
                     for m in MODULES if "portal" in m.parts)]


def read_json(path: Path) -> Any:
    """The JSON document at ``path``."""
    return json.loads(path.read_text(encoding="utf-8"))


def portal_manifest() -> dict[str, Any]:
    """Every folder's declarations merged, views and panels in menu order, with the modules'
    messages; ``ValueError`` on a missing script, a view id or a message key declared twice."""
    merged: dict[str, Any] = {"modules": [], **{name: [] for name in ITEMS}, "events": [],
                              "messages": {"en": {}, "zh": {}}}
    for place in portal_folders():
        declared = read_json(place.directory / "manifest.json")
        for name in ITEMS:
            merged[name] += [placed(place, item) for item in declared.get(name, [])]
        merged["events"] += declared.get("events", [])
        if place.module is not None:
            merged["modules"].append({"name": place.module, "key": f"contract.{place.module}"})
            add_messages(merged["messages"], read_json(place.directory / "messages.json"),
                         place.module)
    ids = [view["id"] for view in merged["views"]]
    if len(ids) != len(set(ids)):
        raise ValueError(f"views: an id is declared twice in {ids}")
    merged["views"].sort(key=lambda view: view["order"])
    merged["panels"].sort(key=lambda panel: panel["order"])
    return merged


def placed(place: PortalFolder, item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with its module and the URL of the script that exports it."""
    script = item.get("script", "views.js")
    if not (place.directory / script).is_file():
        raise ValueError(f"script: {place.directory / script} does not exist")
    return {**item, "module": place.module, "script": f"{place.url}/{script}"}


def add_messages(into: dict[str, dict[str, str]], messages: dict[str, dict[str, str]],
                 module: str) -> None:
    """Add a module's ``{lang: {key: text}}`` to ``into``, where no other module has the key."""
    for lang, texts in into.items():
        twice = texts.keys() & messages[lang].keys()
        if twice:
            raise ValueError(f"messages: {sorted(twice)} of {module} are another module's")
        texts.update(messages[lang])
