"""A contract's transition table, from its declaration (:mod:`smechain.core.contract`).

``transition_rows`` gives it as data, for the portal and the API to offer a
caller only the actions it may take (``offered``); ``transition_table``
renders it as Markdown, for each module's docstring and ``docs/transitions.md``
(a test keeps the text and the declaration the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from smechain.core.contract import AnyAction, Contract, Party, Transition
from smechain.core.genesis import ROLES

NONE = "(none)"
SAME = "(same)"


def transition_rows(contract: Contract) -> list[dict[str, Any]]:
    """One map per action, in declaration order::

        {"action": "sell",
         "object": "certificate",        # what it acts on; None when it acts on none
         "from": ["confirmed"],          # statuses it may start from; [] when no object
         "to": "confirmed",              # status it ends in (or creates); None: unchanged
         "by": "holder",                 # the party or approval that may call it; None: anyone
         "by_party": True,               # whether "by" is a party of the object
         "cosign": [{"arg": "buyer", "roles": ["bank", "factor"],  # "optional": the
                     "optional": False}],        # argument may be empty, asking for none
         "roles": ["bank"] | None}       # roles of which the sender needs one; None: any
    """
    return [_row(name, action) for name, action in contract.actions.items()]


def _row(name: str, action: AnyAction) -> dict[str, Any]:
    by = action.by
    return {
        "action": name,
        "object": action.on.name if isinstance(action, Transition) else None,
        "from": action.expected() if isinstance(action, Transition) else [],
        "to": None if action.to is None else action.to.value,
        "by": None if by is None else by.name,
        "by_party": isinstance(by, Party),
        "cosign": [{"arg": c.arg, "roles": sorted(c.roles), "optional": c.optional}
                   for c in action.cosign],
        "roles": None if action.roles is None else sorted(action.roles),
    }


def _roles(roles: list[str]) -> str:
    """A co-signer's roles as the table shows them (``any role`` for every role)."""
    return "any role" if set(roles) == ROLES else " or ".join(roles)


def transition_table(contract: Contract) -> str:
    """The Markdown table of ``contract``'s actions: action, from, to, by, co-signers, roles."""
    lines = ["| action | from | to | by | co-signers | roles |",
             "|---|---|---|---|---|---|"]
    for row in transition_rows(contract):
        cosign = ", ".join(f"{c['arg']} ({_roles(c['roles'])}"
                           f"{'; when named' if c['optional'] else ''})" for c in row["cosign"])
        cells = [
            row["action"],
            " or ".join(row["from"]) or NONE,
            row["to"] or (SAME if row["object"] else NONE),
            row["by"] or ("any member" if row["roles"] is None else "(by role)"),
            cosign or NONE,
            ", ".join(row["roles"]) if row["roles"] is not None else "any",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def transitions_markdown(contracts: Sequence[Contract]) -> str:
    """``docs/transitions.md``: every contract's table under its name."""
    parts = ["# Transitions\n\nGenerated from each contract's declaration "
             "(`smechain.core.transitions.transition_table`); `tests/core/test_transitions.py` "
             "fails when this page and the declarations differ.\n"]
    parts += [f"\n## {c.name}\n\n{transition_table(c)}" for c in contracts]
    return "".join(parts)


def offered(contract: Contract, record: msgspec.Struct, org: str, roles: frozenset[str]
            ) -> list[str]:
    """The transitions on ``record`` that organisation ``org`` (holding ``roles``) may start
    now, as far as the declaration tells: status, roles and party. Approvals (a quorum)
    and co-signers are checked when the transaction runs, so those actions are kept."""
    out = []
    for name, action in contract.actions.items():
        if not isinstance(action, Transition) or not isinstance(record, action.on.record):
            continue
        if action.on.status_of(record) not in action.from_:
            continue
        if action.roles is not None and not action.roles & roles:
            continue
        if isinstance(action.by, Party) and action.by.of(record) != org:
            continue
        out.append(name)
    return out


def object_key(contract: Contract, action: str, args: dict[str, Any]) -> str | None:
    """The state key of the object ``action`` acts on, from its plain ``args`` (``None``
    for actions that create objects or act on none, or with no id given): what a
    proposal fingerprints, so an offer goes stale when its object changes."""
    declared = contract.actions.get(action)
    if not isinstance(declared, Transition):
        return None
    obj_id = args.get(declared.on.id_arg)
    return declared.on.key(obj_id) if isinstance(obj_id, str) else None
