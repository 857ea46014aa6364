"""Loading a module's outer parts (routes, CLI, SDK, demo, portal) by name.

Frameworks call ``load``; the ledger never does, so a peer that serves no API
imports no FastAPI.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from smechain.core.module import Module
from smechain.modules import MODULES


def load(module: Module, part: str) -> ModuleType | None:
    """The Python module ``<package>.<part>`` when the module declares ``part``."""
    if part not in module.parts:
        return None
    return importlib.import_module(f"{module.package}.{part}")


def each(part: str) -> Iterator[tuple[Module, ModuleType]]:
    """``(module, its part)`` for every module that has ``part``, in ``MODULES`` order."""
    for m in MODULES:
        loaded = load(m, part)
        if loaded is not None:
            yield m, loaded


def folder(module: Module) -> Path:
    """The module's folder on disk (its portal views are served from there)."""
    return Path(importlib.import_module(module.package).__file__ or "").parent
