"""``smechain <module> <action>``: every module's commands, generated from its contract's
actions, on the list of modules; and the commands of the modules without their own tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from test_cli import EXAMPLE, smechain

from smechain.cli.main import app
from smechain.modules import MODULES, parts
from smechain.node.keys import generate_key


def test_every_action_of_every_module_has_a_command_with_an_example() -> None:
    root: Any = typer.main.get_command(app)
    assert {m.name for m, _ in parts.each("cli")} == {m.name for m in MODULES}
    for module in MODULES:
        group = root.commands[module.name]
        for action, declared in module.contract.actions.items():
            command = group.commands[action.replace("_", "-")]
            assert command.help == (declared.handler.__doc__ or "").splitlines()[0]
            (args,) = (p for p in command.params if p.name == "args")
            assert args.help.startswith("JSON, e.g. {"), (module.name, action)


def test_cash_and_membership_commands_sign_and_commit_their_actions(tmp_path: Path) -> None:
    data = tmp_path / "chain"
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    keys = data / "keys"

    def run(module: str, command: str, key: str, args: dict[str, object],
            *cosign: str) -> dict[str, Any]:
        extra = [a for k in cosign for a in ("--cosign", keys / f"{k}.key")]
        code, out = smechain(module, command, "--data", data, "--key", keys / f"{key}.key",
                             "--args", json.dumps(args), *extra)
        assert code == 0, out
        return dict(json.loads(out)["receipt"])

    run("cash", "issue", "pboc", {"currency": "CNY", "to": "core-a", "amount": 500})
    run("cash", "transfer", "core-a", {"currency": "CNY", "to": "sme-1", "amount": 120})
    assert json.loads(smechain("query", "--data", data, "cash/balance/CNY/sme-1")[1]) == 120
    # a membership vote: two of the three governing admins sign
    newcomer = generate_key("ed25519").public.hex()
    receipt = run("membership", "add-org", "regulator", {
        "id": "factor-y", "name": "Factor Y", "roles": ["factor"], "admin_key": "0x" + newcomer},
        "bank-a")
    assert receipt["events"][0]["name"] == "OrgAdded"
    # the ledger would refuse it: an error naming the key, exit code 2, nothing signed
    code, out = smechain("membership", "suspend-org", "--data", data, "--key",
                         keys / "regulator.key", "--args", json.dumps({"org": "sme-2"}))
    assert code == 2 and "error: --key" in out and "needs the admin signatures" in out
