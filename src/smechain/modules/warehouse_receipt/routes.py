"""HTTP routes of the warehouse-receipt module: an organisation's receipts, one receipt,
and a receipt as collateral.

Issuing, transferring, pledging, releasing, enforcing and delivering are the generated
``/v1/contracts/warehouse_receipt/*`` routes (a transfer of a pledged receipt, a pledge
and a delivery are co-signed: ``POST /v1/proposals``).
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.modules.warehouse_receipt import queries as q
from smechain.modules.warehouse_receipt.contract import (
    CONTRACT,
    RECEIPT_PREFIX,
    Receipt,
    Status,
    read_receipt,
)

ReceiptOut = s.record_model(
    Receipt, "WarehouseReceiptOut", "A warehouse receipt (contract.Receipt) and the actions "
    "the caller's organisation may start on it.",
    actions=(list[str], Field(description="Transitions the caller's organisation may start "
                                          "on it now (core.transitions.offered).")))
ReceiptPage = s.page_model(ReceiptOut, "WarehouseReceiptPage")


class CollateralOut(BaseModel):
    """A receipt as security for financing (``queries.collateral``)."""

    id: str
    value: int = Field(description="Minor units of currency, as the warehouse stated it.")
    currency: str
    holder: str
    status: str
    pledgee: str = Field(description="The bank it is pledged to; empty when none.")
    pledged: bool
    free_value: int = Field(description="What it may still secure: its value while issued "
                                        "and unpledged, 0 otherwise.")


def router(platform: Platform) -> APIRouter:
    """``/v1/warehouse-receipts[/{receipt_id}[/collateral]]``."""
    node = platform.node
    r = new_router()

    def visible(caller: Caller, receipt_id: str) -> Receipt:
        """The receipt, for its parties and regulators; 404 for anyone else, as when there is
        none (a stranger is not told that it exists)."""
        receipt = read_receipt(node, receipt_id)
        if receipt is None or not caller.may_see(q.parties(receipt)):
            raise not_found("receipt_id", f"no warehouse receipt {shown(receipt_id)!r}")
        return receipt

    @r.get("/v1/warehouse-receipts", response_model=ReceiptPage, tags=["warehouse receipts"])
    def receipts(caller: Auth,
                 role: str = Query("any", pattern="^(holder|warehouse|pledgee|any)$"),
                 status: Status | None = Query(None),
                 org: str | None = Query(None, max_length=64),
                 offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Receipts the caller's organisation holds (``role=holder``), issued
        (``warehouse``), has in pledge (``pledgee``) or is any party to; regulators may
        name another ``org``. Newest first."""
        org = org or caller.org_id
        if org != caller.org_id and not caller.reads_all:
            raise forbidden("org", f"receipts of {shown(org)!r} are its own business")
        records = [decode(raw, Receipt) for _, raw, _ in node.store.iter_state(RECEIPT_PREFIX)]
        found = [with_actions(caller, CONTRACT, rec, plain(rec))
                 for rec in q.receipts_of(records, org, role)
                 if status is None or rec.status == status]
        return page(found, offset, limit)

    @r.get("/v1/warehouse-receipts/{receipt_id}", response_model=ReceiptOut,
           tags=["warehouse receipts"])
    def receipt(receipt_id: str, caller: Auth) -> dict[str, Any]:
        """A receipt, for its warehouse, depositor, holder, pledgee and pledgor, and
        regulators."""
        rec = visible(caller, receipt_id)
        return with_actions(caller, CONTRACT, rec, plain(rec))

    @r.get("/v1/warehouse-receipts/{receipt_id}/collateral", response_model=CollateralOut,
           tags=["warehouse receipts"])
    def collateral(receipt_id: str, caller: Auth) -> dict[str, Any]:
        """The receipt as security: its value, whether it is pledged and to whom, and how
        much of it may still back financing."""
        c = q.collateral_of(visible(caller, receipt_id))
        return {**asdict(c), "pledged": c.pledged}

    return r
