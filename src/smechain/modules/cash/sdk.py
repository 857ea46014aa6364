"""``client.cash``: digital cash through the SDK (actions, balances, interest, terms)."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smechain.client.actions import ModuleSdk, action
from smechain.client.models import TxResult, from_json

__all__ = ["Balances", "CashSdk", "CashTerms", "Interest", "InterestPayment", "Rate",
           "SettlementSchedule"]


@dataclass(frozen=True, slots=True)
class Balances:
    """An organisation's cash: currency -> amount in minor units."""

    org: str
    balances: dict[str, int]

    def __getitem__(self, currency: str) -> int:
        return self.balances.get(currency, 0)


@dataclass(frozen=True, slots=True)
class InterestPayment:
    """Interest credited (or due) for a settlement date, in minor units."""

    date: str
    interest: int


@dataclass(frozen=True, slots=True)
class Interest:
    """A wallet's interest: earned (credited, with its history) and accrued since."""

    org: str
    currency: str
    as_of: str
    balance: int
    wallet_class: str
    rate_bp: int
    since: str
    product: int
    accrued: int
    due: list[InterestPayment]
    earned: int
    history: list[InterestPayment]


@dataclass(frozen=True, slots=True)
class Rate:
    """An annual rate of a wallet class from a day on."""

    wallet_class: str
    effective: str
    rate_bp: int


@dataclass(frozen=True, slots=True)
class SettlementSchedule:
    """Settlement dates from a day on: ``day`` of each of ``months``."""

    effective: str
    months: list[int]
    day: int


@dataclass(frozen=True, slots=True)
class CashTerms:
    """A currency's operating institutions, rates and settlement dates."""

    currency: str
    operators: list[str]
    revoked: list[str]
    """Orgs whose appointment as operator was revoked: plain holders of the currency now."""
    rates: list[Rate]
    current: dict[str, int]
    schedules: list[SettlementSchedule]
    next_dates: list[str]
    last_date: str | None
    unsettled: list[str]


class CashSdk(ModuleSdk):
    """Digital cash: ``issue``, ``transfer``, ``redeem``, interest actions; ``balances``,
    ``interest``, ``terms``; a transfer as ISO 20022 XML: ``pacs008``, ``pain001``."""

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

    @action
    def appoint_operator(self, currency: str, org: str, *, wait: bool = True) -> TxResult:
        """``cash.appoint_operator``: the central issuer appoints a cash issuer to operate
        ``currency`` (then it issues only to operators, which distribute)."""

    @action
    def revoke_operator(self, currency: str, org: str, *, wait: bool = True) -> TxResult:
        """``cash.revoke_operator``: the central issuer withdraws ``org``'s licence to operate
        ``currency``; it keeps what it holds (transfers, redeems) but issues nothing. Never
        the last operator: appoint its successor first."""

    @action
    def set_wallet_class(self, currency: str, org: str, wallet_class: str, *,
                         wait: bool = True) -> TxResult:
        """``cash.set_wallet_class``: ``real_name`` or ``anonymous`` (earns nothing)."""

    @action
    def set_rate(self, currency: str, rate_bp: int, effective: str,
                 wallet_class: str = "real_name", *, wait: bool = True) -> TxResult:
        """``cash.set_rate``: the annual rate in basis points from ``effective`` (today or
        later) on."""

    @action
    def set_settlement_dates(self, currency: str, months: Sequence[int], day: int,
                             effective: str, *, wait: bool = True) -> TxResult:
        """``cash.set_settlement_dates``: settle on ``day`` of each of ``months``."""

    @action
    def settle_interest(self, currency: str, date: str, wallets: Sequence[str], *,
                        wait: bool = True) -> TxResult:
        """``cash.settle_interest``: credit the wallets' interest up to settlement ``date``."""

    def interest(self, org: str | None = None, currency: str = "CNY",
                 on: str | None = None) -> Interest:
        """``GET /v1/cash/interest``: a wallet's interest earned and accrued as of ``on``."""
        return from_json(Interest, self._get("/v1/cash/interest", org=org, currency=currency,
                                             on=on))

    def terms(self, currency: str = "CNY") -> CashTerms:
        """``GET /v1/cash/terms/{currency}``: operators (and revoked ones), rates, settlement
        dates."""
        return from_json(CashTerms, self._get(f"/v1/cash/terms/{currency}"))

    def pacs008(self, tx_hash: str, debtor_agent: str, creditor_agent: str) -> str:
        """``GET /v1/cash/transfers/{tx_hash}/pacs008``: a committed transfer the caller
        paid or received as ISO 20022 pacs.008.001.08 XML (text), between the banks with
        BICs ``debtor_agent`` (payer's) and ``creditor_agent`` (payee's)."""
        return str(self._get(f"/v1/cash/transfers/{tx_hash}/pacs008",
                             debtor_agent=debtor_agent, creditor_agent=creditor_agent))

    def pain001(self, tx_hash: str, debtor_agent: str,
                creditor_agent: str | None = None) -> str:
        """``GET /v1/cash/transfers/{tx_hash}/pain001``: the same transfer as the payer's
        ISO 20022 pain.001.001.09 initiation to its bank (BIC ``debtor_agent``)."""
        return str(self._get(f"/v1/cash/transfers/{tx_hash}/pain001",
                             debtor_agent=debtor_agent, creditor_agent=creditor_agent))

    def balances(self, org: str | None = None) -> Balances:
        """``GET /v1/balances``: own organisation's cash (regulators: any ``org``)."""
        return from_json(Balances, self._get("/v1/balances", org=org))


SDK = CashSdk
