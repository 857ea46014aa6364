"""What the command line checks before it signs a transaction, and how it names a fault.

A transaction the ledger would refuse is refused here, naming the option or the
argument at fault, and never signed: the contract and action must exist,
``--args`` must convert strictly to the action's argument type, and the
transaction must run on the committed state (``Node.simulate``, as the API's
custodial calls do). The receipt's ``field`` names a transaction field or an
argument; ``option_for`` turns it into what the user typed.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from smechain.core.block import Receipt
from smechain.core.contract import Runtime


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


_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_FIELD = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<name>[^`]*)`")


def validation_fault(message: str) -> tuple[str, str]:
    """``(field, reason)`` from a msgspec ``ValidationError`` message: ``Expected `int`, got
    `str` - at `$.amount``` is ``("amount", "expected int, got str")``; a missing or an
    unknown field is named by its own path (``invoices[0].amount``); ``""`` is the whole."""
    found = _AT.search(message)
    path = found["path"].removeprefix(".") if found else ""
    text = message[:found.start()] if found else message
    named = _FIELD.match(text)
    if named is not None:
        path = f"{path}.{named['name']}" if path else named["name"]
        reason = "missing (a required field)" if named["what"] == "missing required" \
            else "unknown field (the action does not take it)"
    else:
        reason = text.replace("`", "")
        reason = reason[:1].lower() + reason[1:]
    return path, reason


def check_args(runtime: Runtime, contract: str, action: str, args: dict[str, Any]) -> None:
    """``args`` converted strictly to the action's argument type, as the ledger converts
    them; ``Refused`` naming ``--args.<field>`` when they do not."""
    args_type = runtime.contracts[contract].actions[action].args_type
    try:
        msgspec.convert(args, args_type, strict=True)
    except msgspec.ValidationError as exc:
        field, reason = validation_fault(str(exc))
        if reason.startswith("unknown field") and field.isidentifier():  # a top-level one
            reason = (f"unknown field ({contract}.{action} takes "
                      f"{', '.join(args_type.__struct_fields__)})")
        raise Refused(f"--args.{field}" if field else "--args", reason) from None


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
