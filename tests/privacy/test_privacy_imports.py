"""``smechain.privacy`` is generic off-ledger machinery: of smechain it imports only the core."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "smechain" / "privacy"


def test_privacy_imports_only_core_of_smechain() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "smechain" and parts[1:2] not in (["core"], ["privacy"]):
                    found.append(f"{path.name}:{node.lineno}: {name}")
    assert found == []
