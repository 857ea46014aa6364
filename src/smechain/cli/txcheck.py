"""What the command line checks before it signs a transaction, and how it names a fault.

A transaction the ledger would refuse is refused here, naming the option or the
argument at fault, and never signed: the contract and action must exist,
``--args`` must convert strictly to the action's argument type, and the
transaction must run on the committed state (``Node.simulate``, as the API's
custodial calls do). The receipt's ``field`` names a transaction field or an
argument; ``option_for`` turns it into what the user typed.
"""

from __future__ import annotations

from typing import Any

from smechain.core.block import Receipt
from smechain.core.contract import Runtime
from smechain.core.encoding import convert
from smechain.core.errors import BadArguments


class Refused(ValueError):
    """A transaction refused before signing: ``field`` as the command line names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def resolve_action(runtime: Runtime, contract: str, action: str) -> tuple[str, str]:
    """The contract's and action's names as the ledger spells them; ``transfer`` and
    ``register-party`` (the module commands' spelling) both work. ``Refused`` naming
    ``contract`` or ``action``, with the known names, otherwise."""
    found = runtime.contracts.get(contract) or runtime.contracts.get(contract.replace("-", "_"))
    if found is None:
        raise Refused("contract", f"no contract {contract!r} (known: "
                                  f"{', '.join(sorted(runtime.contracts))})")
    for name in (action, action.replace("-", "_")):
        if name in found.actions:
            return found.name, name
    raise Refused("action", f"{found.name} has no action {action!r} (known: "
                            f"{', '.join(sorted(found.actions))})")


def check_args(runtime: Runtime, contract: str, action: str, args: dict[str, Any]) -> None:
    """``args`` converted strictly to the action's argument type, as the ledger converts
    them (``core.encoding.convert``, which names the part at fault); ``Refused`` naming
    ``--args.<field>`` when they do not."""
    try:
        convert(args, runtime.contracts[contract].actions[action].args_type, "--args")
    except BadArguments as exc:
        reason = exc.reason.replace("unknown field (takes",
                                    f"unknown field ({contract}.{action} takes")
        raise Refused(exc.field, reason) from None


_TX_FIELDS = {"signers": "--key", "nonce": "--key", "signatures": "--key",
              "expiry": "--expiry", "contract/action": "contract/action", "tx": "tx"}
"""A transaction field a receipt names, as the command line names it."""


def option_for(receipt: Receipt, cosigned: bool) -> str:
    """What the user typed that a failed receipt's ``field`` names: a transaction field's
    option (``--key``, ``--expiry``), ``--args.<argument>``, or, for a refusal of the
    whole transaction (``field == ""``), the signing keys when it is about who signed."""
    field = receipt.field
    if field == "":
        if receipt.code == "unauthorised":
            return "--key/--cosign" if cosigned else "--key"
        return "--args"
    if field == "signers" and cosigned:
        return "--key/--cosign"
    return _TX_FIELDS.get(field) or f"--args.{field}"


def refusal(receipt: Receipt, cosigned: bool) -> Refused:
    """The ``Refused`` for a simulated receipt that is not ok."""
    prefix = f"{receipt.field}: "
    reason = receipt.message.removeprefix(prefix) if receipt.field else receipt.message
    return Refused(option_for(receipt, cosigned), f"{reason or receipt.code} ({receipt.code})")
