"""Issue 12's acceptance: every action a module declares can be taken every way a user
takes actions — an HTTP route, a CLI command, an SDK method and a portal control — and
each module's parts are found from its folder alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main

from demo_template import DemoTemplate
from smechain.client.actions import module_sdks
from smechain.core.module import OUTER_PARTS
from smechain.modules import MODULES
from smechain.modules.parts import folder
from smechain.web.manifest import portal_manifest

ACTIONS = [(m.name, action) for m in MODULES for action in m.contract.actions]


def _ids(value: tuple[str, str]) -> str:
    return ".".join(value)


@pytest.fixture(scope="module")
def openapi_paths(tmp_path_factory: pytest.TempPathFactory,
                  demo_template: DemoTemplate) -> Iterator[set[str]]:
    from smechain.api.app import create_app

    demo, _ = demo_template.copy(tmp_path_factory.mktemp("parts") / "demo")
    try:
        yield set(create_app(demo.platform).openapi()["paths"])
    finally:
        demo.close()


@pytest.fixture(scope="module")
def cli() -> dict[str, set[str]]:
    """Each command group of ``smechain`` with its commands."""
    from smechain.cli.main import app

    top = typer.main.get_command(app)
    return {name: set(getattr(group, "commands", ())) for name, group in top.commands.items()}


@pytest.fixture(scope="module")
def offered() -> set[str]:
    manifest = portal_manifest()
    return {a for view in manifest["views"] for a in view.get("actions", ())}


@pytest.mark.parametrize("action", ACTIONS, ids=_ids)
def test_every_action_has_a_route_a_command_an_sdk_method_and_a_portal_control(
        action: tuple[str, str], openapi_paths: set[str], cli: dict[str, set[str]],
        offered: set[str]) -> None:
    module, name = action
    assert f"/v1/contracts/{module}/{name}" in openapi_paths
    assert name.replace("_", "-") in cli[module]
    assert callable(getattr(module_sdks()[module], name, None))
    assert f"{module}.{name}" in offered


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_a_module_declares_exactly_the_parts_its_folder_has(module: object) -> None:
    from smechain.core.module import Module

    assert isinstance(module, Module)
    here = folder(module)
    present = tuple(p for p in OUTER_PARTS
                    if (here / p).is_dir() or (here / f"{p}.py").is_file())
    assert module.parts == present
    assert (here / "contract.py").is_file()


def test_no_module_rule_lives_outside_its_folder() -> None:
    # The receivable module as the check anyone can run with git grep: no route, CLI
    # command, SDK method or portal view of certificates outside modules/receivable/.
    src = Path(__file__).resolve().parents[2] / "src" / "smechain"
    found = []
    for path in src.rglob("*"):
        if "modules" in path.parts or path.suffix not in (".py", ".js"):
            continue
        text = path.read_text()
        for needle in ("/v1/certificates", "certificatesView", "receivable.split",
                       "def split(state", '"mark_overdue"'):
            if needle in text:
                found.append(f"{path.relative_to(src)}: {needle}")
    assert found == []
