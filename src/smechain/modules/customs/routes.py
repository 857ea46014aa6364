"""HTTP routes of the customs module: declarations, and importing a WCO declaration file.

``register``, ``amend`` and ``cancel`` by arguments are the generated
``/v1/contracts/customs/*`` routes; ``POST /v1/customs/declarations/import`` reads a
DEC-DMS file (``wco.py``) and submits whichever of them the file is.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

import asyncio
from typing import Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import ApiError, not_found
from smechain.api.limits import MAX_UPLOAD
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.core.errors import BadArguments
from smechain.documents.record import DocumentError
from smechain.modules.customs import queries as q
from smechain.modules.customs.contract import (
    CONTRACT,
    DECLARATION_PREFIX,
    Declaration,
    Status,
)
from smechain.modules.customs.wco import CustomsDeclaration, import_declaration

DeclarationOut = s.record_model(
    Declaration, "DeclarationOut", "A registered customs declaration (contract.Declaration): "
    "its MRN, parties, goods items, value in minor units and status, with what it can back "
    "and the actions the caller's organisation may start on it.",
    unlent_value=(int, Field(description=(
        "What it can back at most now (queries.unlent_value): its value while registered, "
        "0 once cancelled; minor units of its currency."))),
    actions=(list[str], Field(description=(
        "Transitions (amend, cancel) the caller's organisation may start on it now "
        "(core.transitions.offered)."))))
DeclarationPage = s.page_model(DeclarationOut, "DeclarationPage")
ORG = "The ledger organisation of an original declaration's {}."


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes; 422 naming ``file`` past ``MAX_UPLOAD`` bytes."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApiError(422, "bad_args", "file", f"file: larger than {MAX_UPLOAD} bytes")
    return data


def router(platform: Platform) -> APIRouter:
    """``/v1/customs/declarations[/{mrn}]`` and ``/v1/customs/declarations/import``."""
    node = platform.node
    r = new_router()

    def out(caller: Caller, decl: Declaration) -> dict[str, Any]:
        return with_actions(caller, CONTRACT, decl,
                            {**plain(decl), "unlent_value": q.unlent_value(decl)})

    def parse(data: bytes, name: str | None) -> CustomsDeclaration:
        try:
            return import_declaration(data, node.suite.hash, name or "upload")
        except DocumentError as exc:
            raise ApiError(422, "bad_document", "file", f"file: {exc}") from None

    @r.get("/v1/customs/declarations", response_model=DeclarationPage, tags=["customs"])
    def declarations(caller: Auth, offset: Offset = 0, limit: Limit = 50,
                     org: str | None = Query(None, max_length=64),
                     status: Status | None = Query(None),
                     direction: str | None = Query(None, pattern="^(export|import)$")
                     ) -> dict[str, Any]:
        """Declarations the caller's organisation exports or imports under, or registered as
        customs; regulators see all, or those of ``org``. Newest registration first."""
        found = [decode(raw, Declaration)
                 for _, raw, _ in node.store.iter_state(DECLARATION_PREFIX)]
        seen = [d for d in found if caller.may_see(q.parties(d))]
        if org is not None:
            seen = q.declarations_of(seen, org, status=status, direction=direction)
        else:
            seen = [d for d in sorted(seen, key=lambda d: (-d.registered_at_ms, d.id))
                    if (status is None or d.status == status)
                    and (direction is None or d.direction == direction)]
        return page([out(caller, d) for d in seen], offset, limit)

    @r.post("/v1/customs/declarations/import", response_model=s.TxResult, tags=["customs"])
    async def import_file(caller: Auth, request: Request, file: UploadFile = File(...),
                          mrn: str = Form("", max_length=35, description=(
                              "The MRN customs assigned, for an original declaration file "
                              "that carries none (Declaration/ID).")),
                          exporter_org: str = Form("", max_length=64,
                                                   description=ORG.format("exporter")),
                          importer_org: str = Form("", max_length=64,
                                                   description=ORG.format("importer")),
                          action: str = Form("", pattern="^(|register|amend|cancel)$",
                                             description=(
                              "The action the caller expects the file to be (empty: any); "
                              "a file that is another is refused."))
                          ) -> dict[str, Any]:
        """Customs imports a WCO DEC-DMS file: a declaration (registered under ``mrn``, for
        ``exporter_org`` or ``importer_org``), an amendment or a cancellation.

        A file that is not well-formed, fails the WCO XSD or lacks what the ledger needs
        is refused (422, ``file``, naming the element); nothing is stored."""
        platform.require_submit(caller, "customs")
        platform.check_action(caller, "customs", "register")
        data = await read_upload(file)
        record = await asyncio.to_thread(parse, data, file.filename)
        if action and action != record.action:
            raise ApiError(422, "bad_document", "file", f"file: it is {record.described}, "
                           f"to {record.action}; {action} expected")
        try:
            args = record.ledger_args(mrn, exporter_org, importer_org)
        except BadArguments as exc:
            raise ApiError(422, "bad_args", exc.field, exc.message) from None
        request.state.audit = f"import declaration file {file.filename} ({record.action})"
        result = await asyncio.to_thread(platform.submit_custodial, caller, "customs",
                                         record.action, args, True)
        request.state.audit += f" tx={result['tx_hash']}"
        return platform.raise_for(result)

    @r.get("/v1/customs/declarations/{mrn}", response_model=DeclarationOut, tags=["customs"])
    def declaration(mrn: str, caller: Auth) -> dict[str, Any]:
        """One declaration with its goods items, amendments and cancellation: its customs
        office's, its exporter's and importer's, and the regulators'."""
        decl = q.read_declaration(node.store, mrn[:64])
        if decl is None or not caller.may_see(q.parties(decl)):
            raise not_found("mrn", f"no declaration {shown(mrn)!r}")
        return out(caller, decl)

    return r
