"""Bills of lading on a test chain: two carriers (``carrier-a``, ``carrier-b``) and helpers
that issue and move bills."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from smechain.core.block import Receipt
from smechain.modules.bill_of_lading.contract import Bill, ChainEntry, Request, read_bill
from smechain.modules.bill_of_lading.queries import chain, chain_problems, open_request

from ..conftest import Chain


def document(reference: str = "COSU6112345670", to_order: bool = True, **changes: Any
             ) -> dict[str, Any]:
    """A transport document's facts as ``issue`` takes them (a distinct digest per
    reference unless given)."""
    return {"reference": reference, "to_order": to_order,
            "digest": hashlib.sha256(f"td {reference} {to_order}".encode()).digest(),
            "carrier_code": "COSU", "shipped_on_board_date": "2026-03-02",
            "issue_date": "2026-03-02", "port_of_loading": "CNSHA",
            "port_of_discharge": "NLRTM", "goods": "Fasteners, steel", "gross_weight_g": 12_000_000,
            "declared_value": 2_500_000_00, "declared_value_currency": "USD", **changes}


class Bills:
    """Transactions of the bill-of-lading lifecycle on a ``Chain``."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def tx(self, org: str, action: str, args: dict[str, Any]) -> bytes:
        return self.chain.tx("bill_of_lading", action, args, self.chain.key(org))

    def issue(self, carrier: str = "carrier-a", shipper: str = "sme-1", **args: Any) -> str:
        """Issue a bill; its id."""
        doc = args.pop("document", None) or document()
        (receipt,) = self.chain.ok(self.tx(carrier, "issue", {"document": doc,
                                                             "shipper": shipper, **args}))
        return str(_event(receipt, "BillOfLadingIssued")["id"])

    def transfer(self, org: str, bill: str, to: str, endorsement: str = "") -> Receipt:
        (receipt,) = self.chain.ok(self.tx(org, "transfer", {"id": bill, "to": to,
                                                            "endorsement": endorsement}))
        return receipt

    def surrender(self, org: str, bill: str, kind: str = "delivery", **args: Any) -> str:
        """Surrender a bill; the request's id."""
        (receipt,) = self.chain.ok(self.tx(org, "surrender", {"id": bill, "kind": kind,
                                                             **args}))
        return str(_event(receipt, "BillOfLadingSurrenderRequested")["request"])

    def answer(self, carrier: str, request: str, accept: bool, **args: Any) -> Receipt:
        (receipt,) = self.chain.ok(self.tx(carrier, "answer_surrender",
                                           {"request": request, "accept": accept, **args}))
        return receipt

    def bill(self, bill_id: str) -> Bill:
        found = read_bill(self.chain.store, bill_id)
        assert found is not None
        return found

    def chain_of(self, bill_id: str) -> list[ChainEntry]:
        return chain(self.chain.store, self.bill(bill_id))

    def request(self, bill_id: str) -> Request | None:
        return open_request(self.chain.store, self.bill(bill_id))

    def check(self, bill_id: str) -> Bill:
        """The bill, after asserting its chain is whole and agrees with it."""
        bill = self.bill(bill_id)
        assert chain_problems(bill, self.chain_of(bill_id)) == []
        return bill


def _event(receipt: Receipt, name: str) -> dict[str, Any]:
    (event,) = [e for e in receipt.events if e.name == name]
    return dict(event.attrs)


@pytest.fixture
def bills() -> Bills:
    return Bills(Chain())
