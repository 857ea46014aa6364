"""HTTP routes of the invoice module: anchored e-invoices, checking and anchoring files.

Anchoring by arguments, voiding and registering parties are the generated
``/v1/contracts/invoice/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.limits import MAX_UPLOAD
from smechain.api.platform import Platform
from smechain.core.encoding import decode, shown
from smechain.documents import DocumentError, import_invoice, verify_ofd_seals
from smechain.documents.seal import broken_seal
from smechain.modules.invoice.contract import (
    CONTRACT,
    INVOICE_PREFIX,
    Invoice,
    invoice_id,
    read_invoice,
)
from smechain.modules.invoice.queries import file_check, invoice_orgs, with_financing

InvoiceOut = s.record_model(
    Invoice, "InvoiceOut", "An anchored document (contract.Invoice) with the commercial "
    "invoice it belongs to and the actions the caller's organisation may start on it now.",
    financing=(dict[str, Any], Field(description=(
        "{id, seller_org, amount_due, financed, dilution, documents, credits}"))),
    actions=(list[str], Field(description=(
        "Names of the transitions (void) the caller's organisation may start now, as the "
        "contract declares them (core.transitions.offered)."))))
InvoicePage = s.page_model(InvoiceOut, "InvoicePage")


class SealCheck(BaseModel):
    """One electronic seal of an uploaded OFD, checked (``smechain.documents.seal``)."""

    signature_file: str
    """Package path of its ``Signature.xml``; empty for a ``broken`` package."""
    ok: bool
    verdict: Literal["ok", "forged", "mismatched", "tampered", "expired", "unsupported",
                     "broken"]
    """``broken``: the OFD's seals cannot be read at all (the reason says why)."""
    problems: list[str] = []
    """Problem codes, e.g. ``signature_forged``, ``signed_file_changed``."""
    reason: str = ""
    signer: str = ""
    """Subject of the signer's certificate."""
    seal_name: str = ""
    seal_id: str = ""
    version: int = 0
    """SES layout: 4 (GB/T 38540), 1 (GM/T 0031); 0 when not a seal."""
    signed_at: str | None = None
    """The signing time the signer claims (ISO 8601)."""


class InvoiceCheck(BaseModel):
    invoice: str
    match: bool
    """Whether the file's digest is the anchored one; says nothing of its seals."""
    status: str | None = None
    """The figures come only with a matching file, or to the invoice's parties."""
    kind: str | None = None
    currency: str | None = None
    total_amount: int | None = None
    amount_due: int | None = None
    """Of the commercial invoice: least amount due of its documents less its credits."""
    financed: int | None = None
    dilution: int | None = None
    seals: list[SealCheck] | None = None
    """An uploaded OFD's seals (``[]``: it has none); ``null`` for UBL and CII, absent
    from a digest's check. A file is genuine only with ``match`` and every seal ``ok``."""


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes; 422 naming ``file`` past ``MAX_UPLOAD`` bytes."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApiError(422, "bad_args", "file", f"file: larger than {MAX_UPLOAD} bytes")
    return data


def seals_of(data: bytes, name: str | None) -> list[dict[str, Any]]:
    """An OFD's seals, each checked (``SealCheck.summary``); one ``broken`` entry when
    they cannot be read at all."""
    try:
        return [c.summary() for c in verify_ofd_seals(data, name or "upload")]
    except DocumentError as exc:
        return [broken_seal(exc)]


def router(platform: Platform) -> APIRouter:
    """``/v1/invoices``, ``/v1/invoices/{id}[/verify]``, ``verify-file``, ``anchor-file``
    and ``/v1/stats/refusals``."""
    node = platform.node
    r = new_router()

    def visible_invoice(caller: Caller, inv_id: str) -> Invoice:
        inv = read_invoice(node.store, inv_id)
        if inv is None:
            raise not_found("invoice_id", f"invoice {shown(inv_id)!r} is not anchored")
        if not caller.may_see(invoice_orgs(node.store, inv_id)):
            raise forbidden("invoice_id", f"{caller.org_id!r} is not a party to {inv_id!r}")
        return inv

    def out(caller: Caller, inv: Invoice) -> dict[str, Any]:
        return with_actions(caller, CONTRACT, inv, with_financing(node.store, inv))

    def check_of(caller: Caller, inv: Invoice, digest: bytes) -> dict[str, Any]:
        """Whether a file matches; its figures only to one who has the file or is a party."""
        party = inv.digest != digest and caller.may_see(invoice_orgs(node.store, inv.id))
        return file_check(node.store, inv, digest, party)

    def parse_invoice(data: bytes, name: str | None) -> Any:
        try:
            return import_invoice(data, node.suite.hash, name or "upload")
        except DocumentError as exc:
            raise ApiError(422, "bad_document", "file", f"file: {exc}") from None

    @r.get("/v1/invoices", response_model=InvoicePage, tags=["invoices"])
    def invoices(caller: Auth, offset: Offset = 0, limit: Limit = 50,
                 status: str | None = Query(None, pattern="^(valid|voided)$")) -> dict[str, Any]:
        found = []
        for key, raw, _ in node.store.iter_state(INVOICE_PREFIX):
            inv = decode(raw, Invoice)
            if status is not None and inv.status != status:
                continue
            if caller.may_see(invoice_orgs(node.store, key[len(INVOICE_PREFIX):])):
                found.append(out(caller, inv))
        found.sort(key=lambda i: (i["issue_date"], i["id"]), reverse=True)
        return page(found, offset, limit)

    @r.get("/v1/invoices/{invoice_id:path}/verify", response_model=InvoiceCheck,
           response_model_exclude={"seals"}, tags=["invoices"])
    async def verify_invoice(invoice_id: str, caller: Auth,
                             digest: str | None = Query(None, pattern="^[0-9a-f]{64}$")
                             ) -> Any:
        """Check a file's digest against the anchor (any signed-in caller: a public fact).

        Without ``digest`` the path is read as ``GET /v1/invoices/{id}`` of the document
        whose id ends in ``/verify`` (a document numbered ``verify``), when one is anchored.
        """
        if digest is None:
            doc_id = f"{invoice_id}/verify"
            if read_invoice(node.store, doc_id) is None:
                raise ApiError(422, "bad_args", "digest", "digest: required (64 lowercase hex "
                               f"digits); no document {shown(doc_id)!r} is anchored either")
            return JSONResponse(out(caller, visible_invoice(caller, doc_id)))
        inv = read_invoice(node.store, invoice_id)
        if inv is None:
            raise not_found("invoice_id", f"invoice {shown(invoice_id)!r} is not anchored")
        return check_of(caller, inv, bytes.fromhex(digest))

    @r.post("/v1/invoices/verify-file", response_model=InvoiceCheck, tags=["invoices"])
    async def verify_file(caller: Auth, file: UploadFile = File(...)) -> dict[str, Any]:
        """Check an invoice file (UBL, CII or OFD) against its anchor, and an OFD's seals.

        ``match`` is the digest's answer alone: a file matches only with ``match`` true
        and every one of its ``seals`` ok.
        """
        data = await read_upload(file)
        record = await asyncio.to_thread(parse_invoice, data, file.filename)
        inv_id = invoice_id(record.seller_id, record.code, record.number)
        inv = read_invoice(node.store, inv_id)
        if inv is None:
            raise not_found("file", f"invoice {inv_id!r} is not anchored")
        out = check_of(caller, inv, record.digest)
        if record.syntax == "ofd":
            out["seals"] = await asyncio.to_thread(seals_of, data, file.filename)
        return out

    @r.post("/v1/invoices/anchor-file", response_model=s.TxResult, tags=["invoices"])
    async def anchor_file(caller: Auth, request: Request,
                          file: UploadFile = File(...)) -> dict[str, Any]:
        """A tax authority anchors an e-invoice file (UBL, CII or OFD); an OFD only when
        every one of its seals is ok."""
        platform.require_submit(caller, "invoice")
        platform.check_action(caller, "invoice", "anchor")
        data = await read_upload(file)
        record = await asyncio.to_thread(parse_invoice, data, file.filename)
        if record.syntax == "ofd":
            seals = await asyncio.to_thread(seals_of, data, file.filename)
            bad = next((c for c in seals if not c["ok"]), None)
            if bad is not None:
                what = (f"seal {bad['signature_file']} is {bad['verdict']}"
                        if bad["signature_file"] else "its seals are broken")
                raise ApiError(422, "bad_document", "file",
                               f"file: {what}: {bad['reason']}; not anchored")
        args = record.anchor_args()
        request.state.audit = f"anchor file {file.filename}"
        result = await asyncio.to_thread(platform.submit_custodial, caller, "invoice", "anchor",
                                         args, True)
        request.state.audit += f" tx={result['tx_hash']}"
        return platform.raise_for(result)

    @r.get("/v1/invoices/{invoice_id:path}", response_model=InvoiceOut, tags=["invoices"])
    def get_invoice(invoice_id: str, caller: Auth) -> dict[str, Any]:
        return out(caller, visible_invoice(caller, invoice_id))

    @r.get("/v1/stats/refusals", response_model=s.Page, tags=["stats"])
    def refusals(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Refused attempts to finance an invoice twice, or a voided one."""
        items, total = platform.index.refusals(None if caller.reads_all else caller.org_id,
                                               offset, limit)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    return r
