"""HTTP routes of the bill-of-lading module: bills with their holder and open surrender,
their transfer chain (checked, and as PINT transactions), and DCSA documents checked or
imported.

Issuing by arguments, transfers, surrenders and answers are the generated
``/v1/contracts/bill_of_lading/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

import asyncio
from typing import Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import ApiError, not_found
from smechain.api.limits import MAX_UPLOAD
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.modules.bill_of_lading import dcsa
from smechain.modules.bill_of_lading import queries as q
from smechain.modules.bill_of_lading.contract import (
    BILL_PREFIX,
    CONTRACT,
    Bill,
    ChainEntry,
    Status,
    entry_checksum,
    read_bill,
)
from smechain.modules.bill_of_lading.contract import (
    Request as SurrenderRequest,
)

BillOut = s.record_model(
    Bill, "BillOut", "A bill of lading (contract.Bill) with its holder, its open surrender "
    "request and the actions the caller's organisation may start on it now.",
    holder=(str, Field(description="Who may surrender it now (queries.holder); '' when "
                                   "nobody: the carrier holds it, or the possessor is not "
                                   "the named endorsee.")),
    request=(s.record_model(SurrenderRequest, "SurrenderRequestOut",
                            "A surrender request (contract.Request).") | None, None),
    actions=(list[str], Field(description="Transitions the caller's organisation may start "
                                          "on it now (core.transitions.offered).")))
BillPage = s.page_model(BillOut, "BillPage")
EntryOut = s.record_model(ChainEntry, "ChainEntryOut", "One move of a bill (contract."
                          "ChainEntry) and its checksum.", checksum=(str, ...))


class ChainOut(BaseModel):
    """A bill's transfer chain: the ledger's entries, the same as PINT
    ``EnvelopeTransferChainEntry`` payloads, and whether it is whole (each entry links to
    the one before by checksum and the moves replay to the bill)."""

    bill: str
    entries: list[EntryOut]  # type: ignore[valid-type]
    pint: list[dict[str, Any]]
    verified: bool
    problems: list[str]


class Checked(BaseModel):
    """A DCSA message checked against its schema (nothing stored)."""

    kind: str
    """``transport_document``, ``shipping_instructions``, ``issuance_request``,
    ``surrender_request``, ``pint_envelope``, ``pint_chain_entry`` or ``error_response``."""
    document: dict[str, Any] | None = None
    """The transport document's facts as ``issue`` takes them, when the message carries one."""
    parties: dict[str, Any] | None = None
    """Its shipper, consignee and endorsee as the document names them."""


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes; 422 naming ``file`` past ``MAX_UPLOAD`` bytes."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApiError(422, "bad_args", "file", f"file: larger than {MAX_UPLOAD} bytes")
    return data


def refused(exc: dcsa.DcsaError) -> ApiError:
    """422 naming the element at fault: ``file.<JSON path>`` (``file``: the whole file)."""
    field = f"file.{exc.path}" if exc.path else "file"
    more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
    return ApiError(422, "bad_document", field, f"{field}: {exc.reason}{more}")


def parties_of(record: dcsa.TransportDocumentRecord) -> dict[str, Any]:
    return {name: None if p is None else {"name": p.name, "codes": list(p.codes)}
            for name, p in (("shipper", record.shipper), ("consignee", record.consignee),
                            ("endorsee", record.endorsee))}


def router(platform: Platform) -> APIRouter:
    """``/v1/bills-of-lading[/{bill_id}[/chain]]``, ``/v1/bills-of-lading/validate`` and
    ``/v1/bills-of-lading/import``."""
    node = platform.node
    r = new_router()

    def visible(caller: Caller, bill_id: str) -> Bill:
        bill = read_bill(node.store, bill_id[:64])
        if bill is None or not caller.may_see(q.parties(bill)):
            raise not_found("bill_id", f"no bill of lading {shown(bill_id)!r}")
        return bill

    def out(caller: Caller, bill: Bill) -> dict[str, Any]:
        request = q.open_request(node.store, bill)
        doc = {**plain(bill), "holder": q.holder(bill),
               "request": None if request is None else plain(request)}
        return with_actions(caller, CONTRACT, bill, doc)

    def check(data: bytes, kind: str | None) -> dict[str, Any]:
        try:
            message = dcsa.read_message(data, kind)
            if message.document_path is None:
                return {"kind": message.kind.value}
            record = dcsa.transport_document(message)
        except dcsa.DcsaError as exc:
            raise refused(exc) from None
        return {"kind": message.kind.value, "document": record.document(),
                "parties": parties_of(record)}

    @r.get("/v1/bills-of-lading", response_model=BillPage, tags=["bills of lading"])
    def bills(caller: Auth, role: str = Query("any", pattern="^(any|carrier|possessor)$"),
              status: Status | None = Query(None), offset: Offset = 0, limit: Limit = 50
              ) -> dict[str, Any]:
        """Bills the caller's organisation issued (``role=carrier``), possesses now
        (``possessor``) or is a party to (``any``); regulators: every bill. Newest first."""
        found = [decode(raw, Bill) for _, raw, _ in node.store.iter_state(BILL_PREFIX)]
        if caller.reads_all and role == "any":
            chosen = sorted(found, key=lambda b: (-b.issued_at_ms, b.id))
        else:
            chosen = q.bills_of(found, caller.org_id, role)
        return page([out(caller, b) for b in chosen if status is None or b.status == status],
                    offset, limit)

    @r.post("/v1/bills-of-lading/validate", response_model=Checked,
            tags=["bills of lading"])
    async def validate(caller: Auth, file: UploadFile = File(...),
                       kind: str | None = Form(None, max_length=32)) -> dict[str, Any]:
        """Check a DCSA eBL 3.0 message (transport document, shipping instructions, issuance
        or surrender request, PINT envelope) against its schema; nothing is stored."""
        data = await read_upload(file)
        return await asyncio.to_thread(check, data, kind)

    @r.post("/v1/bills-of-lading/import", response_model=s.TxResult,
            tags=["bills of lading"])
    async def import_bill(caller: Auth, request: Request, file: UploadFile = File(...),
                          shipper: str = Form(..., max_length=64),
                          consignee: str = Form("", max_length=64),
                          endorsee: str = Form("", max_length=64)) -> dict[str, Any]:
        """A carrier issues a bill from its DCSA transport document (or the issuance request
        or PINT envelope carrying one): the document is validated, its facts and digest
        recorded, the bill handed to ``shipper``; a straight bill names its ``consignee``,
        a to-order bill its ``endorsee`` when the document names one. A document that
        fails is refused (422, ``file.<JSON path>``) and nothing is stored."""
        platform.require_submit(caller, "bill_of_lading")
        platform.check_action(caller, "bill_of_lading", "issue")
        data = await read_upload(file)
        try:
            record = await asyncio.to_thread(dcsa.import_transport_document, data)
            args = record.issue_args(shipper, consignee, endorsee)
        except dcsa.DcsaError as exc:
            raise refused(exc) from None
        ledger = platform.ledger_args("bill_of_lading", "issue", args)
        request.state.audit = f"import bill of lading {record.reference}"
        result = await asyncio.to_thread(platform.submit_custodial, caller, "bill_of_lading",
                                         "issue", ledger, True)
        request.state.audit += f" tx={result['tx_hash']}"
        return platform.raise_for(result)

    @r.get("/v1/bills-of-lading/{bill_id}/chain", response_model=ChainOut,
           tags=["bills of lading"])
    def bill_chain(bill_id: str, caller: Auth) -> dict[str, Any]:
        """The bill's transfer chain, checked link by link, and as PINT transactions."""
        bill = visible(caller, bill_id)
        entries = q.chain(node.store, bill)
        problems = q.chain_problems(bill, entries)
        return {"bill": bill.id,
                "entries": [{**plain(e), "checksum": entry_checksum(e).hex()}
                            for e in entries],
                "pint": q.pint_chain(entries), "verified": not problems,
                "problems": problems}

    @r.get("/v1/bills-of-lading/{bill_id}", response_model=BillOut, tags=["bills of lading"])
    def get_bill(bill_id: str, caller: Auth) -> dict[str, Any]:
        """One bill: its parties' and the regulators'."""
        return out(caller, visible(caller, bill_id))

    return r
