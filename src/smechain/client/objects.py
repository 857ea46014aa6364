"""Ledger objects as the API shows them: organisations, cash, invoices, certificates."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from smechain.client.models import from_json


@dataclass(frozen=True, slots=True)
class Org:
    """A member organisation."""

    id: str
    name: str
    roles: tuple[str, ...]
    status: str
    admin_key: str


@dataclass(frozen=True, slots=True)
class Balances:
    """An organisation's cash: currency -> amount in minor units."""

    org: str
    balances: dict[str, int]

    def __getitem__(self, currency: str) -> int:
        return self.balances.get(currency, 0)


@dataclass(frozen=True, slots=True)
class Invoice:
    """An anchored e-invoice document; amounts in signed minor units."""

    id: str
    code: str
    number: str
    kind: str
    """``invoice``, ``credit_note``, ``corrective``, ``self_billed`` or ``prepayment``."""
    type_code: str
    """UNTDID 1001 document type code (EN 16931 BT-3)."""
    seller: str
    """``SCHEME:value``, e.g. ``VAT:DE300000001`` or ``USCC:…``."""
    buyer: str
    """``SCHEME:value``, or empty: no buyer identifier (cannot back a certificate)."""
    currency: str
    net_amount: int
    tax_amount: int
    total_amount: int
    prepaid_amount: int
    rounding_amount: int
    amount_due: int
    """This document's amount due (BT-115)."""
    preceding: str
    """The invoice number a credit note or corrective invoice refers to (BT-25)."""
    issue_date: str
    digest: str
    """Hex digest of the invoice file."""
    status: str
    """``valid`` or ``voided``."""
    financed: int
    """How much financing was reserved through this document."""
    anchored_by: str
    anchored_at: int
    financing: dict[str, Any] = dataclasses.field(default_factory=dict)
    """The commercial invoice (seller organisation + number) this document belongs to:
    ``amount_due`` after credits, ``financed`` across all its documents, ``dilution``."""


@dataclass(frozen=True, slots=True)
class SealCheck:
    """One electronic seal of an OFD file, checked by the server."""

    signature_file: str
    """Package path of its ``Signature.xml``; empty when the seals cannot be read."""
    ok: bool
    verdict: str
    """``ok``, ``forged``, ``mismatched``, ``tampered``, ``expired``, ``unsupported``, or
    ``broken`` (the OFD's seals cannot be read at all)."""
    problems: tuple[str, ...] = ()
    reason: str = ""
    signer: str = ""
    seal_name: str = ""
    seal_id: str = ""
    version: int = 0
    signed_at: str | None = None
    """ISO 8601, as the signer claims it."""


@dataclass(frozen=True, slots=True)
class InvoiceCheck:
    """A file's digest checked against its anchor, and an OFD file's seals."""

    invoice: str
    match: bool
    """The digest's answer alone: see :attr:`genuine`."""
    status: str | None = None
    """The figures come only with a matching file, or to the invoice's parties."""
    kind: str | None = None
    currency: str | None = None
    total_amount: int | None = None
    amount_due: int | None = None
    financed: int | None = None
    dilution: int | None = None
    seals: tuple[SealCheck, ...] | None = None
    """An uploaded OFD's seals (``()``: it has none); ``None`` for UBL, CII or a digest."""

    def __post_init__(self) -> None:
        if self.seals is not None:  # from the wire: JSON objects
            seals = tuple(s if isinstance(s, SealCheck) else from_json(SealCheck, s)
                          for s in self.seals)
            object.__setattr__(self, "seals", seals)

    @property
    def genuine(self) -> bool:
        """The file matches its anchor and none of its seals failed."""
        return self.match and all(s.ok for s in self.seals or ())


@dataclass(frozen=True, slots=True)
class Backing:
    """How much of one invoice backs a certificate."""

    invoice: str
    amount: int


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
    """What a buyer pays now for a certificate at ``rate_bp`` a year (simple discount)."""

    id: str
    face: int
    days: int
    rate_bp: int
    basis: int
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
