"""Who may co-sign an action, read from its declaration (``core.contract.cosigners_of``)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest

from smechain.core.contract import (
    Action,
    Approval,
    Cosign,
    Party,
    Subject,
    Transition,
    cosigners_of,
)
from smechain.core.encoding import convert
from smechain.core.errors import BadArguments


class Rec(msgspec.Struct):
    id: str
    holder: str
    status: str = "live"


class Args(msgspec.Struct):
    id: str
    buyer: str = ""
    amount: Annotated[int, msgspec.Meta(gt=0)] = 1


def nothing(*_: Any) -> None:
    """A handler or rule with no effect."""


QUORUM = Approval("quorum", nothing, lambda state, action: (
    frozenset({"gov-1", "gov-2"}), f"needs 2 governors for {action}"))
RECS: Subject[Rec] = Subject("rec", Rec, lambda i: i, "id", "none", "wrong")
HOLDER: Party[Rec] = Party("holder", lambda r: r.holder)


@pytest.mark.parametrize(("act", "orgs", "needs"), [
    (Action(nothing, Args), set(), "takes no co-signers"),
    (Action(nothing, Args, by=Approval("admin key", nothing)), set(), "takes no co-signers"),
    (Action(nothing, Args, by=QUORUM), {"gov-1", "gov-2"}, "needs 2 governors for act"),
    (Transition(nothing, Args, RECS, {"live"}, by=HOLDER,
                cosign=(Cosign("buyer", frozenset({"bank"})),)),
     {"bank-a"}, "its 'buyer' names ('bank-a')"),
])
def test_cosigners_come_from_the_declaration(act: Any, orgs: set[str], needs: str) -> None:
    found, said = cosigners_of(act, {}, "act", {"id": "r1", "buyer": "bank-a"})  # type: ignore[arg-type]
    assert set(found) == orgs and needs in said


def test_a_bound_a_type_declares_names_its_field() -> None:
    with pytest.raises(BadArguments) as caught:
        convert({"id": "r1", "amount": 0}, Args, "args")
    assert caught.value.field == "args.amount"
