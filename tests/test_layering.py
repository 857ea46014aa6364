"""The deterministic layers stay pure.

``smechain.core`` and every module's pure parts (its contract, queries and the
helpers they use: everything in ``smechain/modules`` but the outer parts
``routes``, ``cli``, ``sdk``, ``demo``, ``portal``, the loader ``parts`` and the
files a module declares off-ledger, ``Module.offledger``) run
identically on every peer, so they import no I/O, clock or randomness, nothing
from the outer layers or from modules' outer parts, and do no floating-point
arithmetic. The core, in turn, knows nothing of modules.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

import pytest

from smechain.modules import MODULES

SRC = Path(__file__).resolve().parent.parent / "src" / "smechain"
OUTER_PART_FILES = frozenset({"routes", "cli", "sdk", "demo", "portal", "parts"})
OFF_LEDGER = frozenset(f"modules/{m.name}/{f}.py" for m in MODULES for f in m.offledger)
"""Each module's off-ledger files (``Module.offledger``), as paths under ``smechain/``."""

FORBIDDEN_MODULES = frozenset({
    "os", "sys", "time", "datetime", "random", "secrets", "socket", "sqlite3", "asyncio",
    "threading", "multiprocessing", "subprocess", "pathlib", "io", "uuid", "tempfile",
    "shutil", "logging", "structlog", "httpx", "requests", "nats", "psycopg",
    # Ways around the list above.
    "importlib",
})
OUTER_LAYERS = frozenset({
    "storage", "ordering", "node", "api", "web", "cli", "client", "privacy", "scoring",
    "documents", "payments",
})
FORBIDDEN_CALLS = frozenset({"float", "__import__", "open", "eval", "exec"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module a file imports, relative imports resolved, with line numbers."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from smechain import node`` imports the submodule ``smechain.node``.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """What a pure-layer file does that it must not, one line per finding."""
    tree = ast.parse(source)
    layer = module.split(".")[1] if module.startswith("smechain.") else ""
    found: list[str] = []
    for lineno, name in _imports(tree, module, is_package):
        parts = name.split(".")
        if parts[0] in FORBIDDEN_MODULES:
            found.append(f"{lineno}: imports {name} (I/O, clock or randomness)")
        if parts[0] == "smechain" and len(parts) > 1:
            if parts[1] in OUTER_LAYERS:
                found.append(f"{lineno}: imports outer layer smechain.{parts[1]}")
            if layer == "core" and parts[1] == "modules":
                found.append(f"{lineno}: core imports smechain.modules")
            if parts[1] == "modules" and OUTER_PART_FILES & set(parts[2:]):
                found.append(f"{lineno}: imports a module's outer part {name}")
            if "/".join(parts[1:4]) + ".py" in OFF_LEDGER:
                found.append(f"{lineno}: imports an off-ledger file {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float | complex):
            found.append(f"{node.lineno}: float literal {node.value!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS:
                found.append(f"{node.lineno}: calls {node.func.id}()")
        elif isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div):
            found.append(f"{node.lineno}: true division makes a float (use //)")
    return list(dict.fromkeys(found))


def _pure_files() -> list[Path]:
    modules = [p for p in (SRC / "modules").rglob("*.py")
               if not OUTER_PART_FILES & {p.stem, *p.relative_to(SRC).parts}
               and p.relative_to(SRC).as_posix() not in OFF_LEDGER]
    return sorted([*(SRC / "core").rglob("*.py"), *modules])


def test_pure_layers_exist() -> None:
    names = {p.relative_to(SRC).as_posix() for p in _pure_files()}
    assert {"core/encoding.py", "core/tx.py", "core/proof.py", "modules/__init__.py",
            "modules/cash/contract.py", "modules/receivable/contract.py"} <= names
    assert "modules/parts.py" not in names


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_pure_layer_file(path: Path) -> None:
    found = violations(path.read_text(), _module_name(path), path.name == "__init__.py")
    assert found == [], f"{path.relative_to(SRC)}:\n" + "\n".join(found)


_OUTER_PARTS = ("modules.*.routes", "modules.*.cli", "modules.*.sdk", "modules.*.demo",
                "modules.parts",
                *(f"modules.{p.removesuffix('.py').split('/', 1)[1].replace('/', '.')}"
                  for p in OFF_LEDGER))
_FRAMEWORKS = ("api", "cli", "client", "web")
FRAMEWORK_RULES = {
    # DESIGN §2, arrows only downwards: core (the pure-file checks above) < storage,
    # ordering < node < modules < the frameworks.
    "storage": ("ordering", "node", "modules", "documents", *_FRAMEWORKS),
    "ordering": ("storage", "node", "modules", "documents", *_FRAMEWORKS),
    # the peer runs the modules' contracts, never their outer parts
    "node": ("documents", *_FRAMEWORKS, *_OUTER_PARTS),
    # documents (e-invoice parsing) serve modules and frameworks, below both
    "documents": ("storage", "ordering", "node", *_FRAMEWORKS, *_OUTER_PARTS),
    "api": ("client",),  # the API signs with core's sign_tx, not the SDK's
    "cli": ("client",),
    # The SDK is transport only: it knows actions from the modules' SDK parts, not their
    # contracts (it may loop over smechain.modules.MODULES to find those parts).
    "client": ("node", "storage", "ordering", "api", "cli", "web", "modules.*.contract"),
    "web": ("storage", "ordering", "node", "api", "cli", "client"),
    # privacy computing is generic off-ledger machinery: of smechain only the core
    "privacy": ("storage", "ordering", "node", "modules", "documents", *_FRAMEWORKS),
    # payment messages (ISO 20022) likewise: the cash module's outer parts feed them
    "payments": ("storage", "ordering", "node", "modules", "documents", *_FRAMEWORKS),
}
"""What each package must not import (DESIGN §2's dependency table); ``*`` is any module."""


def framework_violations(path: Path, layer: str | None = None) -> list[str]:
    """Imports of ``path`` (a file of a framework package, or of ``layer`` when given)
    that its layer forbids."""
    module = _module_name(path)
    layer = layer or module.split(".")[1]
    tree = ast.parse(path.read_text())
    return [f"{path.relative_to(SRC)}:{lineno}: imports {name}"
            for lineno, name in _imports(tree, module, path.name == "__init__.py")
            if forbidden(layer, name)]


def forbidden(layer: str, name: str) -> bool:
    """Whether ``layer`` may not import the module ``name``."""
    return any(fnmatch(name, f"smechain.{banned}") or fnmatch(name, f"smechain.{banned}.*")
               for banned in FRAMEWORK_RULES.get(layer, ()))


@pytest.mark.parametrize(("layer", "name", "refused"), [
    ("node", "smechain.modules.receivable.contract", False),
    ("node", "smechain.modules.receivable.routes", True),
    ("node", "smechain.modules.parts", True),
    ("node", "smechain.api.platform", True),
    ("storage", "smechain.node.node", True),
    ("ordering", "smechain.modules", True),
    ("client", "smechain.modules.cash.contract", True),
    ("client", "smechain.modules.cash.sdk", False),
    ("cli", "smechain.client.http", True),
    ("web", "smechain.modules.parts", False),
    ("payments", "smechain.modules.cash.contract", True),
    ("payments", "smechain.core.currency", False),
])
def test_the_table_refuses_upward_imports(layer: str, name: str, refused: bool) -> None:
    assert forbidden(layer, name) is refused


@pytest.mark.parametrize("layer", sorted(FRAMEWORK_RULES))
def test_each_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((SRC / layer).rglob("*.py"))
    assert files
    found = [line for path in files for line in framework_violations(path)]
    assert found == [], "\n".join(found)


def test_modules_sdk_parts_import_only_what_the_sdk_may() -> None:
    """A module's ``sdk.py`` is part of the SDK and keeps its rules."""
    files = sorted((SRC / "modules").glob("*/sdk.py"))
    assert {p.parent.name for p in files} >= {"cash", "invoice", "membership", "receivable"}
    found = [line for path in files for line in framework_violations(path, "client")]
    assert found == [], "\n".join(found)


def test_keys_and_signing_live_in_the_core() -> None:
    from smechain.client import sign_tx as sdk_sign_tx
    from smechain.core.keys import KeyPair
    from smechain.core.tx import sign_tx
    from smechain.node.keys import KeyPair as NodeKeyPair

    assert sdk_sign_tx is sign_tx and NodeKeyPair is KeyPair


# --- the checker itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import os", "smechain.core.x", "imports os"),
        ("import os.path as p", "smechain.core.x", "imports os.path"),
        ("from time import monotonic", "smechain.modules.cash.contract", "imports time"),
        ("from datetime import datetime", "smechain.core.x", "imports datetime"),
        ("import secrets", "smechain.core.x", "imports secrets"),
        ("from importlib import import_module", "smechain.core.x", "imports importlib"),
        ("from smechain.storage.abc import LedgerStore", "smechain.core.x",
         "outer layer"),
        ("import smechain.ordering.cutter", "smechain.modules.cash.contract", "outer layer"),
        ("from smechain import node", "smechain.modules.cash.contract",
         "outer layer smechain.node"),
        ("from ..client import sign_tx", "smechain.core.x", "outer layer smechain.client"),
        ("from ..modules import cash", "smechain.core.x", "core imports smechain.modules"),
        ("from smechain.modules.cash.contract import move", "smechain.core.x",
         "core imports smechain.modules"),
        ("import smechain.modules", "smechain.core.x", "core imports smechain.modules"),
        ("from smechain.modules.cash import routes", "smechain.modules.receivable.contract",
         "outer part"),
        ("from smechain.modules.parts import load", "smechain.modules.receivable.queries",
         "outer part"),
        ("x = 1.5", "smechain.core.x", "float literal"),
        ("x = 1e3", "smechain.modules.cash.contract", "float literal"),
        ("x = float('1')", "smechain.core.x", "calls float()"),
        ("y = 3 / 2", "smechain.core.x", "true division"),
        ("y = 3\ny /= 2", "smechain.core.x", "true division"),
        ("def f():\n    import random\n", "smechain.core.x", "imports random"),
        ("m = __import__('os')", "smechain.core.x", "calls __import__()"),
        ("f = open('x')", "smechain.modules.cash.contract", "calls open()"),
    ],
)
def test_checker_finds_violations(source: str, module: str, expected: str) -> None:
    found = violations(source, module)
    assert any(expected in line for line in found), found


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import hashlib\nimport msgspec\nfrom typing import Any", "smechain.core.x"),
        ("from smechain.core.state import TxState", "smechain.modules.cash.contract"),
        ("from smechain.modules.membership.contract import read_org",
         "smechain.modules.cash.contract"),
        ("from . import cash", "smechain.modules"),
        ("x = 7 // 2\ny = 2 ** 63", "smechain.core.x"),
        ("s = 'float(1.5) / 2'", "smechain.core.x"),
        ("import ostree_like_name", "smechain.core.x"),
    ],
)
def test_checker_allows_pure_code(source: str, module: str) -> None:
    assert violations(source, module, module == "smechain.modules") == []
