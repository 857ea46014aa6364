"""Ledger values as JSON for people and scripts: records become maps, bytes hex."""

from __future__ import annotations

import json
from typing import Any

from smechain.core.encoding import plain


def dumps(value: Any) -> str:
    """Pretty JSON of a ledger value."""
    return json.dumps(plain(value), indent=2, sort_keys=True)
