"""``client.warehouse_receipt``: warehouse receipts through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from smechain.client.actions import ModuleSdk, action
from smechain.client.http import segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["ReceiptCollateral", "WarehouseReceipt", "WarehouseReceiptSdk"]


@dataclass(frozen=True, slots=True)
class WarehouseReceipt:
    """A warehouse receipt."""

    id: str
    warehouse: str
    depositor: str
    holder: str
    goods: str
    commodity_code: str
    quantity: int
    unit: str
    value: int
    """Minor units of ``currency``."""
    currency: str
    location: str
    issued_at_ms: int
    status: str
    """``issued``, ``pledged`` or ``delivered``."""
    pledgee: str = ""
    pledgor: str = ""
    pledged_at_ms: int = 0
    reference: str = ""
    delivered_at_ms: int = 0
    actions: tuple[str, ...] = ()
    """What the caller's organisation may start on it."""


@dataclass(frozen=True, slots=True)
class ReceiptCollateral:
    """A receipt as security for financing."""

    id: str
    value: int
    currency: str
    holder: str
    status: str
    pledgee: str
    pledged: bool
    free_value: int
    """What it may still secure: its value while issued and unpledged, 0 otherwise."""


class WarehouseReceiptSdk(ModuleSdk):
    """Warehouse receipts: ``issue``, ``transfer``, ``pledge``, ``release``, ``enforce``,
    ``deliver``; ``receipts``, ``receipt``, ``collateral``. A pledge, the transfer of a
    pledged receipt and a delivery are co-signed: open them with ``client.propose``."""

    wire_names: ClassVar[Mapping[str, str]] = {"receipt_id": "id"}

    @action
    def issue(self, depositor: str, goods: str, commodity_code: str, quantity: int, unit: str,
              value: int, currency: str, location: str, *, wait: bool = True) -> TxResult:
        """``warehouse_receipt.issue`` (a warehouse): a receipt for goods it stores, to their
        depositor. Its id is ``result.event("ReceiptIssued").attrs["id"]``."""

    @action
    def transfer(self, receipt_id: str, to: str, pledgee: str = "", *,
                 wait: bool = True) -> TxResult:
        """``warehouse_receipt.transfer``: the holder passes the receipt on; a pledged one
        names its ``pledgee``, which co-signs."""

    @action
    def pledge(self, receipt_id: str, bank: str, reference: str = "", *,
               wait: bool = True) -> TxResult:
        """``warehouse_receipt.pledge``: the holder pledges it to ``bank``, which co-signs."""

    @action
    def release(self, receipt_id: str, *, wait: bool = True) -> TxResult:
        """``warehouse_receipt.release``: the pledgee releases the pledge on repayment."""

    @action
    def enforce(self, receipt_id: str, *, wait: bool = True) -> TxResult:
        """``warehouse_receipt.enforce``: the pledgee takes the receipt on default."""

    @action
    def deliver(self, receipt_id: str, holder: str, *, wait: bool = True) -> TxResult:
        """``warehouse_receipt.deliver``: the warehouse delivers the goods out against the
        holder's surrender of the receipt (the holder co-signs)."""

    def receipts(self, role: str = "any", status: str | None = None, org: str | None = None,
                 offset: int = 0, limit: int = 50) -> Page[WarehouseReceipt]:
        """``GET /v1/warehouse-receipts``: held (``role="holder"``), issued
        (``"warehouse"``), in pledge (``"pledgee"``) or any."""
        return page_of(self._get("/v1/warehouse-receipts", role=role, status=status, org=org,
                                 offset=offset, limit=limit), WarehouseReceipt)

    def receipt(self, receipt_id: str) -> WarehouseReceipt:
        """``GET /v1/warehouse-receipts/{id}``."""
        return from_json(WarehouseReceipt,
                         self._get(f"/v1/warehouse-receipts/{segment(receipt_id)}"))

    def collateral(self, receipt_id: str) -> ReceiptCollateral:
        """``GET /v1/warehouse-receipts/{id}/collateral``."""
        return from_json(ReceiptCollateral, self._get(
            f"/v1/warehouse-receipts/{segment(receipt_id)}/collateral"))


SDK = WarehouseReceiptSdk
