"""The read-side rules the API's generic code takes from the modules' ``queries.py``.

Besides what its own routes call, a module's ``queries.py`` may define (a name
a module lacks means it has no such rule):

- ``unknown_to(state, org, args) -> (field, reason) | None``: why to refuse ``org``'s
  action of the module's own contract, as for an unknown id (404), on an object it is
  no party to; ``None`` when it may act (``Platform.check_party``).
- ``NAMES`` and ``tx_orgs(state, contract, action, named) -> set[str]``: the
  organisations any transaction concerns from state, given ``named`` (``{field: ids}``
  of the ``NAMES`` fields found in its arguments and events; the index).
- ``REFUSAL_STATUS``: ``{receipt code: HTTP status}`` of the module's own refusal codes
  (``consent_expired``: 422); a code no module names keeps ``api.platform``'s status
  (``RECEIPT_STATUS``, else 409).

``state`` is a ``StateReader`` (the node); the rules read committed state only.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from smechain.core.module import Module
from smechain.modules import MODULES


def queries(module: Module) -> ModuleType | None:
    """The module's ``queries.py``, or ``None`` when it has none."""
    name = f"{module.package}.queries"
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def rules(name: str) -> dict[str, Any]:
    """``{module name: its queries' attribute name}`` for every module (in ``MODULES``
    order) whose ``queries.py`` defines ``name``."""
    found = {}
    for m in MODULES:
        q = queries(m)
        if q is not None and hasattr(q, name):
            found[m.name] = getattr(q, name)
    return found
