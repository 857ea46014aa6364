"""``client.cash``: digital cash through the SDK (actions and balances)."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from dataclasses import dataclass

from smechain.client.actions import ModuleSdk, action
from smechain.client.models import TxResult, from_json

__all__ = ["Balances", "CashSdk"]


@dataclass(frozen=True, slots=True)
class Balances:
    """An organisation's cash: currency -> amount in minor units."""

    org: str
    balances: dict[str, int]

    def __getitem__(self, currency: str) -> int:
        return self.balances.get(currency, 0)


class CashSdk(ModuleSdk):
    """Digital cash: ``issue``, ``transfer``, ``redeem``; ``balances``."""

    shortcuts = ("balances",)

    @action
    def issue(self, currency: str, to: str, amount: int, *, wait: bool = True) -> TxResult:
        """``cash.issue``: a cash issuer mints ``amount`` minor units to ``to``."""

    @action
    def transfer(self, currency: str, to: str, amount: int, memo: str = "", *,
                 wait: bool = True) -> TxResult:
        """``cash.transfer``: pay ``amount`` to ``to``."""

    @action
    def redeem(self, currency: str, amount: int, *, wait: bool = True) -> TxResult:
        """``cash.redeem``: the issuer takes its own cash out of circulation."""

    def balances(self, org: str | None = None) -> Balances:
        """``GET /v1/balances``: own organisation's cash (regulators: any ``org``)."""
        return from_json(Balances, self._get("/v1/balances", org=org))


SDK = CashSdk
