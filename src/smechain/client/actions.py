"""Typed wrappers for the common custodial actions: ``client.cash.issue(...)``,
``client.receivable.split(...)``. Each is ``Client.call`` with the action's fields
spelled out; the peer signs with the caller's enrolled key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smechain.client.models import TxResult

if TYPE_CHECKING:
    from smechain.client.http import Client

BackingLike = Mapping[str, Any] | Sequence[Any] | Any
"""One certificate backing: ``(invoice_id, amount)``, ``{"invoice", "amount"}`` or a
``Backing``."""


def json_form(value: Any) -> Any:
    """Arguments as the HTTP API's JSON: bytes as hex, tuples as lists, records as objects."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): json_form(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_form(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_form(dataclasses.asdict(value))
    return value


def backing_json(invoices: Iterable[BackingLike]) -> list[dict[str, Any]]:
    """Certificate backings as the API's ``[{invoice, amount}]``."""
    out = []
    for b in invoices:
        if isinstance(b, Mapping):
            out.append({"invoice": b["invoice"], "amount": b["amount"]})
        elif isinstance(b, Sequence) and not isinstance(b, str):
            invoice, amount = b
            out.append({"invoice": invoice, "amount": amount})
        else:
            out.append({"invoice": b.invoice, "amount": b.amount})
    return out


class _Actions:
    def __init__(self, client: Client) -> None:
        self._client = client


class CashActions(_Actions):
    """Digital cash."""

    def issue(self, currency: str, to: str, amount: int, *, wait: bool = True) -> TxResult:
        """``cash.issue``: a cash issuer mints ``amount`` minor units to ``to``."""
        return self._client.call("cash", "issue", currency=currency, to=to, amount=amount,
                                 wait=wait)

    def transfer(self, currency: str, to: str, amount: int, memo: str = "", *,
                 wait: bool = True) -> TxResult:
        """``cash.transfer``: pay ``amount`` to ``to``."""
        return self._client.call("cash", "transfer", currency=currency, to=to, amount=amount,
                                 memo=memo, wait=wait)

    def redeem(self, currency: str, amount: int, *, wait: bool = True) -> TxResult:
        """``cash.redeem``: the issuer takes its own cash out of circulation."""
        return self._client.call("cash", "redeem", currency=currency, amount=amount, wait=wait)


class InvoiceActions(_Actions):
    """E-invoices anchored by tax authorities."""

    def register_party(self, identifier: str, org: str, *, wait: bool = True) -> TxResult:
        """``invoice.register_party``: attest that ``org`` holds ``identifier``
        (``SCHEME:value``, e.g. ``VAT:DE300000001``, ``USCC:…``, ``0088:<GLN>``)."""
        return self._client.call("invoice", "register_party", identifier=identifier, org=org,
                                 wait=wait)

    def anchor(self, *, number: str, seller: str, buyer: str, currency: str,
               net_amount: int, tax_amount: int, total_amount: int, issue_date: str,
               digest: bytes | str, code: str = "", type_code: str = "380",
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
        return self._client.call(
            "invoice", "anchor", number=number, seller=seller, buyer=buyer, currency=currency,
            net_amount=net_amount, tax_amount=tax_amount, total_amount=total_amount,
            issue_date=issue_date, digest=digest, code=code, type_code=type_code,
            prepaid_amount=prepaid_amount, rounding_amount=rounding_amount,
            amount_due=amount_due, preceding=preceding, wait=wait)

    def void(self, invoice: str, reason: str = "", *, wait: bool = True) -> TxResult:
        """``invoice.void``: red-letter an invoice; it can back no new financing."""
        return self._client.call("invoice", "void", invoice=invoice, reason=reason, wait=wait)


class ReceivableActions(_Actions):
    """Debt certificates backed by invoices."""

    def issue(self, invoices: Iterable[BackingLike], debtor: str, currency: str,
              maturity: str, *, wait: bool = True) -> TxResult:
        """``receivable.issue``: the invoices' seller requests a certificate on ``debtor``.

        The new certificate's id is ``result.event("CertificateRequested").attrs["id"]``.
        """
        return self._client.call("receivable", "issue", invoices=backing_json(invoices),
                                 debtor=debtor, currency=currency, maturity=maturity, wait=wait)

    def confirm(self, cert_id: str, *, wait: bool = True) -> TxResult:
        """``receivable.confirm``: the debtor confirms it owes the face value at maturity."""
        return self._client.call("receivable", "confirm", id=cert_id, wait=wait)

    def dispute(self, cert_id: str, reason: str, *, wait: bool = True) -> TxResult:
        """``receivable.dispute``: the debtor refuses a request; its invoices are freed."""
        return self._client.call("receivable", "dispute", id=cert_id, reason=reason, wait=wait)

    def split(self, cert_id: str, amounts: Sequence[int], *, wait: bool = True) -> TxResult:
        """``receivable.split``: parts ``<id>.1``, ``<id>.2``... summing to the face value."""
        return self._client.call("receivable", "split", id=cert_id, amounts=list(amounts),
                                 wait=wait)

    def transfer(self, cert_id: str, to: str, *, wait: bool = True) -> TxResult:
        """``receivable.transfer``: pass a certificate to ``to`` (e.g. to pay a supplier)."""
        return self._client.call("receivable", "transfer", id=cert_id, to=to, wait=wait)

    def settle(self, cert_id: str, *, wait: bool = True) -> TxResult:
        """``receivable.settle``: from maturity on, the debtor pays the holder."""
        return self._client.call("receivable", "settle", id=cert_id, wait=wait)

    def mark_overdue(self, cert_id: str, *, wait: bool = True) -> TxResult:
        """``receivable.mark_overdue``: the holder marks an unpaid part overdue after the
        grace days."""
        return self._client.call("receivable", "mark_overdue", id=cert_id, wait=wait)

    def claim(self, cert_id: str, source: str, *, wait: bool = True) -> TxResult:
        """``receivable.claim``: the holder of an overdue part is paid by its ``recourse``
        seller or its ``guarantor``."""
        return self._client.call("receivable", "claim", id=cert_id, source=source, wait=wait)


class MembershipActions(_Actions):
    """Keys of the caller's organisation (signed with its admin key; org admins only)."""

    def enrol_key(self, public_key: bytes | str, name: str, *, wait: bool = True) -> TxResult:
        """``membership.enrol_key``: let ``public_key`` sign for the organisation (e.g. a
        system's own key for non-custodial transactions)."""
        return self._client.call("membership", "enrol_key", public_key=public_key, name=name,
                                 wait=wait)

    def revoke_key(self, public_key: bytes | str, at_height: int = 0, *,
                   wait: bool = True) -> TxResult:
        """``membership.revoke_key``: stop a key signing from ``at_height`` (0: now)."""
        return self._client.call("membership", "revoke_key", public_key=public_key,
                                 at_height=at_height, wait=wait)
