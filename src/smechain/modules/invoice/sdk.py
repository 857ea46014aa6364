"""``client.invoice``: e-invoice anchors through the SDK (actions, documents, checks)."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from smechain.client.actions import Binary, LedgerForms, ModuleSdk, action, binary
from smechain.client.explorer import TxSummary
from smechain.client.http import hex_text, segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["Invoice", "InvoiceCheck", "InvoiceSdk", "SealCheck"]


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
    actions: tuple[str, ...] = ()
    """What the caller's organisation may start on it now, as the contract declares
    (``void``): the API's answer when it was read."""


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


class InvoiceSdk(ModuleSdk):
    """E-invoices anchored by tax authorities: ``register_party``, ``anchor``, ``void``;
    the documents, checks of files against their anchors, refused double financing."""

    ledger_forms: ClassVar[LedgerForms] = {"anchor": {"digest": binary}}
    shortcuts = ("invoices", "get_invoice", "verify_invoice", "verify_file", "anchor_file",
                 "refusals")

    @action
    def register_party(self, identifier: str, org: str, *, wait: bool = True) -> TxResult:
        """``invoice.register_party``: attest that ``org`` holds ``identifier``
        (``SCHEME:value``, e.g. ``VAT:DE300000001``, ``USCC:…``, ``0088:<GLN>``)."""

    @action
    def anchor(self, *, number: str, seller: str, buyer: str, currency: str,
               net_amount: int, tax_amount: int, total_amount: int, issue_date: str,
               digest: Binary, code: str = "", type_code: str = "380",
               prepaid_amount: int = 0, rounding_amount: int = 0,
               amount_due: int | None = None, preceding: str = "",
               wait: bool = True) -> TxResult:
        """``invoice.anchor``: record a document's figures and its file's digest.

        ``seller``/``buyer`` are ``SCHEME:value`` identifiers (``buyer`` may be
        empty). The document's id is ``seller/number`` (``seller/code/number``
        with a fapiao code), each part escaped; it is in the ``InvoiceAnchored``
        event. A credit note (``type_code`` 381) with ``preceding`` lowers that
        invoice's amount due.
        """

    @action
    def void(self, invoice: str, reason: str = "", *, wait: bool = True) -> TxResult:
        """``invoice.void``: red-letter an invoice; it can back no new financing."""

    def invoices(self, offset: int = 0, limit: int = 50,
                 status: str | None = None) -> Page[Invoice]:
        """``GET /v1/invoices``: invoices the caller is seller, buyer or anchorer of."""
        return page_of(self._get("/v1/invoices", offset=offset, limit=limit, status=status),
                       Invoice)

    def get_invoice(self, invoice_id: str) -> Invoice:
        """``GET /v1/invoices/{id}``."""
        return from_json(Invoice, self._get(f"/v1/invoices/{segment(invoice_id)}"))

    def verify_invoice(self, invoice_id: str, digest: Binary) -> InvoiceCheck:
        """``GET /v1/invoices/{id}/verify``: does a file with ``digest`` match the anchor?"""
        return from_json(InvoiceCheck, self._get(f"/v1/invoices/{segment(invoice_id)}/verify",
                                                 digest=hex_text(digest)))

    def verify_file(self, path: str | Path) -> InvoiceCheck:
        """``POST /v1/invoices/verify-file``: check an e-invoice file (UBL, CII, OFD)."""
        return from_json(InvoiceCheck, self._upload("/v1/invoices/verify-file", path))

    def anchor_file(self, path: str | Path) -> TxResult:
        """``POST /v1/invoices/anchor-file``: a tax authority anchors an e-invoice file."""
        return TxResult.from_json(self._upload("/v1/invoices/anchor-file", path))

    def refusals(self, offset: int = 0, limit: int = 50) -> Page[TxSummary]:
        """``GET /v1/stats/refusals``: refused attempts to finance an invoice twice (or a
        voided one) that reached the ledger."""
        return page_of(self._get("/v1/stats/refusals", offset=offset, limit=limit), TxSummary)

    def _upload(self, path: str, file: str | Path) -> Any:
        upload = Path(file)
        return self._client.request("POST", path,
                                    files={"file": (upload.name, upload.read_bytes())})


SDK = InvoiceSdk
