"""``client.receivable``: debt certificates through the SDK (actions, offers, queries)."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from smechain.client.actions import LedgerForms, ModuleSdk, action
from smechain.client.http import segment
from smechain.client.models import Page, Proposal, TxResult, from_json, page_of
from smechain.core.daycount import DayCount

__all__ = ["Backing", "Certificate", "CertificateDetail", "DayCount", "DayVolume", "Lineage",
           "MaturityBucket", "Price", "ReceivableSdk"]


@dataclass(frozen=True, slots=True)
class Backing:
    """How much of one invoice backs a certificate."""

    invoice: str
    amount: int


BackingLike = Backing | Mapping[str, Any] | Sequence[Any] | Any
"""One certificate backing: a ``Backing`` (or a record with its fields),
``{"invoice", "amount"}`` or ``(invoice_id, amount)``."""


def backing(value: BackingLike) -> Backing:
    """A backing given in any of its forms."""
    if isinstance(value, Backing):
        return value
    if isinstance(value, Mapping):
        return Backing(value["invoice"], value["amount"])
    if isinstance(value, Sequence) and not isinstance(value, str):
        invoice, amount = value
        return Backing(invoice, amount)
    return Backing(value.invoice, value.amount)  # a record with those fields


def backing_rows(invoices: Iterable[BackingLike]) -> list[list[Any]]:
    """Backings in the ledger's form: ``[invoice_id, amount]`` rows (stored as arrays)."""
    return [[b.invoice, b.amount] for b in map(backing, invoices)]


@dataclass(frozen=True, slots=True)
class Certificate:
    """A debt certificate or one of its parts."""

    id: str
    root: str
    """The original certificate (which names the invoices)."""
    parent: str
    debtor: str
    supplier: str
    holder: str
    face: int
    currency: str
    maturity: str
    status: str
    invoices: tuple[Backing, ...]
    recourse_to: str = ""
    """The seller a bank or factor bought it from with recourse."""
    guarantor: str = ""
    actions: tuple[str, ...] = ()
    """What the caller's organisation may start on it now, as the contract declares
    (``split``, ``settle``...): the API's answer when it was read."""

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Certificate:
        invoices = tuple(from_json(Backing, b) for b in doc.get("invoices") or ())
        return dataclasses.replace(from_json(cls, {**doc, "invoices": ()}), invoices=invoices)


@dataclass(frozen=True, slots=True)
class Lineage:
    """A node of a certificate's tree: the root, its parts, their parts..."""

    id: str
    holder: str
    face: int
    status: str
    maturity: str
    parts: tuple[Lineage, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Lineage:
        return cls(doc["id"], doc["holder"], doc["face"], doc["status"], doc["maturity"],
                   tuple(cls.from_json(p) for p in doc.get("parts") or ()))

    def walk(self) -> Iterator[Lineage]:
        """This node and every node under it, depth first."""
        yield self
        for part in self.parts:
            yield from part.walk()

    def find(self, cert_id: str) -> Lineage:
        """The node ``cert_id``; ``KeyError`` if it is not in this tree."""
        for node in self.walk():
            if node.id == cert_id:
                return node
        raise KeyError(cert_id)


@dataclass(frozen=True, slots=True)
class CertificateDetail:
    """A certificate with the lineage tree of its root."""

    certificate: Certificate
    lineage: Lineage

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CertificateDetail:
        return cls(Certificate.from_json(doc["certificate"]), Lineage.from_json(doc["lineage"]))


@dataclass(frozen=True, slots=True)
class Price:
    """What a buyer pays now for a certificate at a discount rate on a day-count
    convention (simple discount): ``price = face - discount``, minor units."""

    id: str
    face: int
    days: int
    """Actual days from the pricing date to maturity."""
    discount_rate_bp: int
    """Annual discount rate, basis points."""
    day_count: str
    """A ``DayCount`` value: ``ACT/360``, ``ACT/365F``, ``30/360`` or ``ACT/ACT``."""
    discount: int
    price: int


@dataclass(frozen=True, slots=True)
class MaturityBucket:
    """Outstanding certificates maturing in one month, in one currency."""

    month: str
    currency: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class DayVolume:
    """Certificates sold to factors and banks on one day, in one currency (price paid)."""

    day: str
    currency: str
    count: int
    amount: int


class ReceivableSdk(ModuleSdk):
    """Debt certificates backed by invoices: the actions, offers to sell and guarantee
    (proposals the other side signs), the certificates, their prices and statistics."""

    wire_names: ClassVar[Mapping[str, str]] = {"cert_id": "id"}
    ledger_forms: ClassVar[LedgerForms] = {"issue": {"invoices": backing_rows}}
    shortcuts = ("certificates", "certificate", "price", "maturities", "volumes",
                 "offer_to_sell", "offer_guarantee")

    def issue(self, invoices: Iterable[BackingLike], debtor: str, currency: str,
              maturity: str, *, wait: bool = True) -> TxResult:
        """``receivable.issue``: the invoices' seller requests a certificate on ``debtor``.

        The new certificate's id is ``result.event("CertificateRequested").attrs["id"]``.
        """
        return self._call("issue", wait, invoices=[backing(b) for b in invoices],
                          debtor=debtor, currency=currency, maturity=maturity)

    @action
    def confirm(self, cert_id: str, *, wait: bool = True) -> TxResult:
        """``receivable.confirm``: the debtor confirms it owes the face value at maturity."""

    @action
    def dispute(self, cert_id: str, reason: str, *, wait: bool = True) -> TxResult:
        """``receivable.dispute``: the debtor refuses a request; its invoices are freed."""

    @action
    def split(self, cert_id: str, amounts: Sequence[int], *, wait: bool = True) -> TxResult:
        """``receivable.split``: parts ``<id>.1``, ``<id>.2``... summing to the face value."""

    @action
    def transfer(self, cert_id: str, to: str, *, wait: bool = True) -> TxResult:
        """``receivable.transfer``: pass a certificate to ``to`` (e.g. to pay a supplier)."""

    @action
    def sell(self, cert_id: str, buyer: str, discount_rate_bp: int,
             day_count: DayCount | str = DayCount.ACT_365F, recourse: bool = True, *,
             wait: bool = True) -> TxResult:
        """``receivable.sell``: the holder sells to ``buyer`` at ``discount_rate_bp`` a year
        on ``day_count``. The buyer co-signs: offer it with ``offer_to_sell`` (or sign both
        here)."""

    @action
    def guarantee(self, cert_id: str, guarantor: str, fee: int, *,
                  wait: bool = True) -> TxResult:
        """``receivable.guarantee``: ``guarantor`` guarantees it for ``fee``. The guarantor
        co-signs: offer it with ``offer_guarantee`` (or sign both here)."""

    @action
    def settle(self, cert_id: str, *, wait: bool = True) -> TxResult:
        """``receivable.settle``: from maturity on, the debtor pays the holder."""

    @action
    def mark_overdue(self, cert_id: str, *, wait: bool = True) -> TxResult:
        """``receivable.mark_overdue``: the holder marks an unpaid part overdue after the
        grace days."""

    @action
    def claim(self, cert_id: str, source: str, *, wait: bool = True) -> TxResult:
        """``receivable.claim``: the holder of an overdue part is paid by its ``recourse``
        seller or its ``guarantor``."""

    # --- offers (proposals the buyer or guarantor signs) ---------------------------

    def offer_to_sell(self, cert_id: str, buyer: str, discount_rate_bp: int,
                      day_count: DayCount | str = DayCount.ACT_365F, recourse: bool = True,
                      expires_ms: int | None = None) -> Proposal:
        """Offer a certificate to a bank or factor at ``discount_rate_bp`` a year on
        ``day_count`` (``receivable.sell``); the buyer's signature completes the sale. The
        offer closes (``stale``) once the certificate changes hands or state."""
        return self._client.propose("receivable", "sell",
                                    {"id": cert_id, "buyer": buyer,
                                     "discount_rate_bp": discount_rate_bp,
                                     "day_count": str(day_count), "recourse": recourse},
                                    [buyer], expires_ms)

    def offer_guarantee(self, cert_id: str, guarantor: str, fee: int,
                        expires_ms: int | None = None) -> Proposal:
        """Ask a guarantor to guarantee a certificate for ``fee`` (``receivable.guarantee``)."""
        return self._client.propose("receivable", "guarantee",
                                    {"id": cert_id, "guarantor": guarantor, "fee": fee},
                                    [guarantor], expires_ms)

    # --- queries ---------------------------------------------------------------------

    def certificates(self, role: str = "any", status: str | None = None, offset: int = 0,
                     limit: int = 50) -> Page[Certificate]:
        """``GET /v1/certificates``: as ``holder``, ``debtor``, ``supplier`` or ``any``."""
        return page_of(self._get("/v1/certificates", role=role, status=status, offset=offset,
                                 limit=limit), Certificate)

    def certificate(self, cert_id: str) -> CertificateDetail:
        """``GET /v1/certificates/{id}``: the certificate and its root's lineage tree."""
        return CertificateDetail.from_json(self._get(f"/v1/certificates/{segment(cert_id)}"))

    def price(self, cert_id: str, discount_rate_bp: int,
              day_count: DayCount | str = DayCount.ACT_365F, on: str | None = None) -> Price:
        """``GET /v1/certificates/{id}/price``: face, days, discount and price at
        ``discount_rate_bp`` a year on ``day_count``, today or ``on`` (``YYYY-MM-DD``)."""
        return from_json(Price, self._get(f"/v1/certificates/{segment(cert_id)}/price",
                                          discount_rate_bp=discount_rate_bp,
                                          day_count=str(day_count), on=on))

    def maturities(self, role: str = "holder") -> list[MaturityBucket]:
        """``GET /v1/stats/maturities``: outstanding certificates by month, as holder or
        debtor."""
        return [from_json(MaturityBucket, b) for b in self._get("/v1/stats/maturities",
                                                                role=role)]

    def volumes(self) -> list[DayVolume]:
        """``GET /v1/stats/volumes``: certificates sold per day (price paid)."""
        return [from_json(DayVolume, d) for d in self._get("/v1/stats/volumes")]


SDK = ReceivableSdk
