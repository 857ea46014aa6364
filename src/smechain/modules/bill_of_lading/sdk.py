"""``client.bill_of_lading``: electronic bills of lading through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from smechain.client.actions import LedgerForms, ModuleSdk, action, binary
from smechain.client.http import segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["Bill", "BillChain", "BillOfLadingSdk", "CheckedMessage"]


def document_form(document: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A transport document's facts in the ledger's form: the digest as bytes."""
    if document is None:
        return None
    return {**document, "digest": binary(document["digest"])}


@dataclass(frozen=True, slots=True)
class Bill:
    """A bill of lading: its document's facts and who possesses, holds and may act on it."""

    id: str
    carrier: str
    document: Mapping[str, Any]
    """``reference``, ``to_order``, ``digest`` (hex), ``carrier_code``, dates, UN/LOCODEs,
    ``originals``, ``goods``, ``gross_weight_g``, ``declared_value`` (minor units)..."""
    shipper: str
    consignee: str
    endorsee: str
    endorsable: bool
    possessor: str
    status: str
    """``issued``, ``surrender_requested``, ``surrendered`` or ``amended``."""
    issued_at_ms: int
    chain_length: int
    chain_head: str
    parties: tuple[str, ...]
    surrender: str = ""
    replaces: str = ""
    replaced_by: str = ""
    closed_at_ms: int = 0
    holder: str = ""
    """Who may surrender it now; ``""``: nobody."""
    request: Mapping[str, Any] | None = None
    """The open surrender request: ``id``, ``by``, ``kind``, ``reason_code``, ``comments``."""
    actions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Bill:
        base = from_json(cls, {**doc, "document": {}})
        return dataclasses.replace(base, document=dict(doc["document"]),
                                   request=doc.get("request"))


@dataclass(frozen=True, slots=True)
class BillChain:
    """A bill's transfer chain: ledger entries, PINT payloads, whether it is whole."""

    bill: str
    entries: tuple[Mapping[str, Any], ...]
    pint: tuple[Mapping[str, Any], ...]
    verified: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckedMessage:
    """A DCSA message checked by the server: its kind and, for a transport document, the
    facts ``issue`` takes and the parties it names."""

    kind: str
    document: Mapping[str, Any] | None = None
    parties: Mapping[str, Any] | None = None


class BillOfLadingSdk(ModuleSdk):
    """Bills of lading: ``issue``, ``transfer``, ``surrender``, ``answer_surrender``;
    ``bills``, ``bill``, ``chain``, ``validate_file``, ``import_file``."""

    wire_names: ClassVar[Mapping[str, str]] = {"bill_id": "id"}
    ledger_forms: ClassVar[LedgerForms] = {"issue": {"document": document_form},
                                           "answer_surrender": {"amended": document_form}}

    @action
    def issue(self, document: Mapping[str, Any], shipper: str, consignee: str = "",
              endorsee: str = "", *, wait: bool = True) -> TxResult:
        """``bill_of_lading.issue``: a carrier issues a bill to ``shipper``; a straight
        bill names its ``consignee``, a to-order bill may name its ``endorsee``. The bill's
        id is ``result.event("BillOfLadingIssued").attrs["id"]``."""

    @action
    def transfer(self, bill_id: str, to: str, endorsement: str = "", *,
                 wait: bool = True) -> TxResult:
        """``bill_of_lading.transfer``: the possessor passes it on; ``endorsement``:
        ``to_order``, ``named``, ``blank`` or ``""``."""

    @action
    def surrender(self, bill_id: str, kind: str, reason_code: str = "", comments: str = "",
                  *, wait: bool = True) -> TxResult:
        """``bill_of_lading.surrender``: for ``delivery`` or ``amendment``; the request's
        id is ``result.event("BillOfLadingSurrenderRequested").attrs["request"]``."""

    @action
    def answer_surrender(self, request: str, accept: bool, comments: str = "",
                         amended: Mapping[str, Any] | None = None, *,
                         wait: bool = True) -> TxResult:
        """``bill_of_lading.answer_surrender``: the carrier accepts (an amendment with the
        ``amended`` document) or rejects (saying why in ``comments``), once."""

    def bills(self, role: str = "any", status: str | None = None, offset: int = 0,
              limit: int = 50) -> Page[Bill]:
        """``GET /v1/bills-of-lading``: issued (``role="carrier"``), possessed
        (``"possessor"``) or any the caller is a party to."""
        return page_of(self._get("/v1/bills-of-lading", role=role, status=status,
                                 offset=offset, limit=limit), Bill)

    def bill(self, bill_id: str) -> Bill:
        """``GET /v1/bills-of-lading/{id}``."""
        return Bill.from_json(self._get(f"/v1/bills-of-lading/{segment(bill_id)}"))

    def chain(self, bill_id: str) -> BillChain:
        """``GET /v1/bills-of-lading/{id}/chain``."""
        doc = self._get(f"/v1/bills-of-lading/{segment(bill_id)}/chain")
        return BillChain(doc["bill"], tuple(doc["entries"]), tuple(doc["pint"]),
                         doc["verified"], tuple(doc["problems"]))

    def validate_file(self, path: str | Path, kind: str | None = None) -> CheckedMessage:
        """``POST /v1/bills-of-lading/validate``: check a DCSA file; nothing is stored."""
        data = {"kind": kind} if kind else {}
        return from_json(CheckedMessage, self._upload("/v1/bills-of-lading/validate", path,
                                                      data))

    def import_file(self, path: str | Path, shipper: str, consignee: str = "",
                    endorsee: str = "") -> TxResult:
        """``POST /v1/bills-of-lading/import``: a carrier issues a bill from a DCSA file."""
        return TxResult.from_json(self._upload(
            "/v1/bills-of-lading/import", path,
            {"shipper": shipper, "consignee": consignee, "endorsee": endorsee}))

    def _upload(self, path: str, file: str | Path, data: Mapping[str, str]) -> Any:
        upload = Path(file)
        # form fields as parts without a file name, beside the file
        parts: dict[str, Any] = {name: (None, value) for name, value in data.items()}
        parts["file"] = (upload.name, upload.read_bytes())
        return self._client.request("POST", path, files=parts)


SDK = BillOfLadingSdk
