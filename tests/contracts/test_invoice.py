"""The invoice contract: anchoring, voiding, parties, and never financing an invoice twice."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smechain.contracts import CONTRACTS
from smechain.contracts.invoice import (
    Invoice,
    invoice_key,
    matches_file,
    org_of_party,
    read_invoice,
    reserve,
)
from smechain.core.contract import Action, Context, Contract
from smechain.core.state import TxState

from .conftest import SUITE, Chain


class Finance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    invoice: str
    amount: int


def _finance(state: TxState, ctx: Context, args: Finance) -> None:
    reserve(state, args.invoice, args.amount)


# A stand-in for the financing contracts to come (certificates, factoring,
# loans): each of them reserves through ``reserve`` in the same transaction.
PROBE = Contract("probe", {"finance": Action(_finance, Finance)})

DIGEST = SUITE.hash(b"<Invoice>...</Invoice>")


def anchor_args(**over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "code": "044031900111", "number": "12345678", "seller": "91440300MA5EXAMPLE",
        "buyer": "91110000CORE00001X", "currency": "CNY", "net_amount": 100_000_00,
        "tax_amount": 13_000_00, "total_amount": 113_000_00, "issue_date": "2026-11-02",
        "digest": DIGEST,
    }
    args.update(over)
    return args


INV = "044031900111-12345678"


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CONTRACTS, "probe", PROBE)


def anchored(chain: Chain, **over: Any) -> Chain:
    chain.ok(chain.tx("invoice", "anchor", anchor_args(**over), chain.key("tax")))
    return chain


def test_anchor_records_the_invoice(chain: Chain) -> None:
    (receipt,) = chain.ok(chain.tx("invoice", "anchor", anchor_args(), chain.key("tax")))
    assert [e.name for e in receipt.events] == ["InvoiceAnchored"]
    inv = read_invoice(chain.store, INV)
    assert inv is not None
    assert (inv.seller, inv.buyer, inv.total_amount, inv.status, inv.financed) == (
        "91440300MA5EXAMPLE", "91110000CORE00001X", 113_000_00, "valid", 0)
    assert inv.anchored_by == "tax"
    assert matches_file(inv, DIGEST)
    assert not matches_file(inv, SUITE.hash(b"<Invoice>..!</Invoice>"))


def test_invoice_without_code_is_scoped_by_seller(chain: Chain) -> None:
    anchored(chain, code="", number="INV-2026-001")
    assert read_invoice(chain.store, "91440300MA5EXAMPLE/INV-2026-001") is not None


@pytest.mark.parametrize("org", ["sme-1", "bank-a", "pboc", "core-a"])
def test_only_tax_authorities_anchor(chain: Chain, org: str) -> None:
    chain.expect_failed(chain.tx("invoice", "anchor", anchor_args(), chain.key(org)),
                        "unauthorised")
    assert chain.store.get(invoice_key(INV)) is None


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"total_amount": 113_000_01}, "total_amount"),
        ({"net_amount": -1, "total_amount": 12_999_99}, "net_amount"),
        ({"currency": "cny"}, "currency"),
        ({"issue_date": "2026-13-01"}, "issue_date"),
        ({"issue_date": "02/11/2026"}, "issue_date"),
        ({"digest": b"short"}, "digest"),
        ({"buyer": "91440300MA5EXAMPLE"}, "buyer"),
        ({"number": ""}, "number"),
        ({"seller": "has space"}, "seller"),
        ({"total_amount": 1.5}, "total_amount"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_anchor_names_the_field(chain: Chain, over: dict[str, Any], field: str) -> None:
    receipt = chain.expect_failed(
        chain.tx("invoice", "anchor", anchor_args(**over), chain.key("tax")), "bad_args")
    assert field in receipt.message


def test_anchoring_twice_is_a_conflict(chain: Chain) -> None:
    anchored(chain)
    receipt = chain.expect_failed(
        chain.tx("invoice", "anchor", anchor_args(digest=SUITE.hash(b"other")), chain.key("tax")),
        "conflict")
    assert INV in receipt.message
    assert read_invoice(chain.store, INV).digest == DIGEST  # type: ignore[union-attr]


def test_void(chain: Chain) -> None:
    anchored(chain)
    chain.expect_failed(chain.tx("invoice", "void", {"invoice": INV}, chain.key("sme-1")),
                        "unauthorised")
    chain.ok(chain.tx("invoice", "void", {"invoice": INV, "reason": "red-letter"},
                      chain.key("tax")))
    assert read_invoice(chain.store, INV).status == "voided"  # type: ignore[union-attr]
    chain.expect_failed(chain.tx("invoice", "void", {"invoice": INV}, chain.key("tax")),
                        "conflict")
    chain.expect_failed(chain.tx("invoice", "void", {"invoice": "nope"}, chain.key("tax")),
                        "not_found")


def test_register_party(chain: Chain) -> None:
    tx = chain.tx("invoice", "register_party", {"tax_id": "91440300MA5EXAMPLE", "org": "sme-1"},
                  chain.key("tax"))
    chain.ok(tx)
    assert org_of_party(chain.store, "91440300MA5EXAMPLE") == "sme-1"
    chain.expect_failed(chain.tx("invoice", "register_party",
                                 {"tax_id": "91440300MA5EXAMPLE", "org": "sme-2"},
                                 chain.key("tax")), "conflict")
    chain.expect_failed(chain.tx("invoice", "register_party", {"tax_id": "X1", "org": "ghost"},
                                 chain.key("tax")), "not_found")
    chain.expect_failed(chain.tx("invoice", "register_party", {"tax_id": "X1", "org": "sme-1"},
                                 chain.key("sme-1")), "unauthorised")


def finance(chain: Chain, org: str, amount: int, invoice: str = INV) -> bytes:
    return chain.tx("probe", "finance", {"invoice": invoice, "amount": amount}, chain.key(org))


def financed(chain: Chain) -> int:
    inv = read_invoice(chain.store, INV)
    assert isinstance(inv, Invoice)
    return inv.financed


def test_two_banks_in_one_block_only_first_wins(chain: Chain, probe: None) -> None:
    anchored(chain)
    first, second = chain.run(finance(chain, "bank-a", 113_000_00),
                              finance(chain, "pboc", 113_000_00))
    assert first.ok
    assert second.code == "conflict" and INV in second.message
    assert financed(chain) == 113_000_00


def test_across_blocks_partial_amounts_and_pieces(chain: Chain, probe: None) -> None:
    anchored(chain)
    chain.ok(finance(chain, "bank-a", 50_000_00))
    chain.ok(finance(chain, "pboc", 40_000_00))
    receipt = chain.expect_failed(finance(chain, "core-a", 23_000_01), "conflict")
    assert "has 2300000 of 11300000 CNY unfinanced; 2300001 asked" in receipt.message
    chain.ok(finance(chain, "core-a", 23_000_00))
    chain.expect_failed(finance(chain, "bank-a", 1), "conflict")
    assert financed(chain) == 113_000_00


def test_voided_invoice_backs_no_new_financing(chain: Chain, probe: None) -> None:
    anchored(chain)
    chain.ok(finance(chain, "bank-a", 10_000_00))
    chain.ok(chain.tx("invoice", "void", {"invoice": INV}, chain.key("tax")))
    receipt = chain.expect_failed(finance(chain, "pboc", 1), "conflict")
    assert "voided" in receipt.message
    assert financed(chain) == 10_000_00


def test_unanchored_invoice_cannot_be_financed(chain: Chain, probe: None) -> None:
    chain.expect_failed(finance(chain, "bank-a", 1, invoice="ghost-1"), "not_found")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["bank-a", "pboc", "core-a", "sme-1"]),
                          st.integers(min_value=-5, max_value=60_000_00),
                          st.booleans()),
                min_size=1, max_size=25),
       st.integers(min_value=0, max_value=24))
def test_nothing_is_ever_financed_twice(ops: list[tuple[str, int, bool]], void_at: int) -> None:
    """Whatever the financiers try, in whatever blocks, the total never passes the invoice."""
    CONTRACTS["probe"] = PROBE
    try:
        chain = anchored(Chain())
        accepted = 0
        voided = False
        batch: list[tuple[bytes, int]] = []
        for i, (org, amount, end_block) in enumerate(ops):
            if i == void_at:
                batch.append((chain.tx("invoice", "void", {"invoice": INV}, chain.key("tax")),
                              -1))
            batch.append((finance(chain, org, amount), amount))
            if end_block or i == len(ops) - 1:
                receipts = chain.run(*(raw for raw, _ in batch))
                for (_, amt), receipt in zip(batch, receipts, strict=True):
                    if amt == -1:
                        voided = voided or receipt.ok
                    elif receipt.ok:
                        assert not voided
                        assert 0 < amt <= 113_000_00 - accepted
                        accepted += amt
                    else:
                        assert receipt.code in ("conflict", "bad_args")
                batch = []
        assert financed(chain) == accepted <= 113_000_00
    finally:
        del CONTRACTS["probe"]
