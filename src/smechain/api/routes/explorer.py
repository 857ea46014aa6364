"""The chain explorer: blocks, transactions, proofs, verification, live events."""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, parse_hex
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.index import IndexedTx
from smechain.api.platform import Platform
from smechain.core.block import header_hash
from smechain.core.encoding import encode, plain
from smechain.core.proof import verify_tx_proof
from smechain.core.tx import decode_tx
from smechain.node.ledger import NotCommitted
from smechain.node.verify import verify_chain


class EventHub:
    """Fans the indexer's committed transactions out to server-sent-event streams."""

    def __init__(self, platform: Platform) -> None:
        self._queues: set[asyncio.Queue[list[IndexedTx]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        platform.index.on_index(self._publish)

    def _publish(self, rows: list[IndexedTx]) -> None:
        loop = self._loop
        if loop is None or not rows:
            return
        for q in list(self._queues):
            loop.call_soon_threadsafe(q.put_nowait, rows)

    def open(self) -> asyncio.Queue[list[IndexedTx]]:
        self._loop = asyncio.get_running_loop()
        q: asyncio.Queue[list[IndexedTx]] = asyncio.Queue()
        self._queues.add(q)
        return q

    def close(self, q: asyncio.Queue[list[IndexedTx]]) -> None:
        self._queues.discard(q)


def router(platform: Platform) -> APIRouter:
    """``/v1/blocks``, ``/v1/transactions`` (GET), ``/v1/chain/verify``, ``/v1/events``."""
    node = platform.node
    hub = EventHub(platform)
    r = new_router()

    # --- chain explorer -----------------------------------------------------------------

    def caught_up(height: int) -> None:
        """503 while the index has not reached ``height`` (its answers would be partial)."""
        if not platform.index.wait_for(height, 5):
            raise ApiError(503, "unavailable", "height", f"height: the index is behind "
                           f"({platform.index.height} < {height}); retry shortly")

    def header_out(height: int) -> dict[str, Any]:
        h = node.block(height).header
        return {"height": h.height, "hash": header_hash(node.suite, h).hex(),
                "prev_hash": h.prev_hash.hex(), "timestamp_ms": h.timestamp_ms,
                "tx_count": h.tx_count, "tx_root": h.tx_root.hex(),
                "receipts_root": h.receipts_root.hex(), "writes_hash": h.writes_hash.hex(),
                "orderer": h.orderer.hex()}

    @r.get("/v1/blocks", response_model=s.Page, tags=["explorer"])
    def blocks(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        top = node.height()
        heights = range(top - offset, max(top - offset - limit, -1), -1)
        return {"items": [header_out(h) for h in heights], "total": top + 1, "offset": offset,
                "limit": limit}

    @r.get("/v1/blocks/{height}", response_model=s.BlockDetail, tags=["explorer"])
    def block(height: int, caller: Auth) -> dict[str, Any]:
        if not 0 <= height <= node.height():
            raise not_found("height", f"no block {height} (the chain is at {node.height()})")
        caught_up(height)
        rows = platform.index.txs_at(height)
        shown = [row for row, orgs in rows if caller.may_see(orgs)]
        return {"header": header_out(height), "transactions": shown,
                "hidden": len(rows) - len(shown)}

    @r.get("/v1/transactions", response_model=s.Page, tags=["explorer"])
    def transactions(caller: Auth, offset: Offset = 0, limit: Limit = 50,
                     contract: str | None = Query(None, max_length=32)) -> dict[str, Any]:
        items, total = platform.index.transactions(
            None if caller.reads_all else caller.org_id, offset, limit, contract)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    def located(caller: Caller, tx_hash: str) -> tuple[bytes, int, int]:
        raw_hash = parse_hex(tx_hash, "tx_hash")
        try:
            height, index = node.locate(raw_hash)
        except NotCommitted:
            raise not_found("tx_hash", f"{tx_hash} is not committed") from None
        caught_up(height)
        if not caller.reads_all and not platform.index.concerns(caller.org_id, height, index):
            raise forbidden("tx_hash", f"the transaction does not concern {caller.org_id!r}")
        return raw_hash, height, index

    @r.get("/v1/transactions/{tx_hash}", response_model=s.TxDetail, tags=["explorer"])
    def transaction(tx_hash: str, caller: Auth) -> dict[str, Any]:
        raw_hash, height, index = located(caller, tx_hash)
        blk = node.block(height)
        tx, _ = decode_tx(blk.txs[index], node.suite)
        body = tx.body
        return {"tx_hash": tx_hash, "height": height, "index": index,
                "timestamp_ms": blk.header.timestamp_ms, "contract": body.contract,
                "action": body.action, "args": plain(body.args),
                "signers": [{"public_key": k.hex(), "org": platform.index.org_of_key(k)}
                            for k in body.signers],
                "nonce": body.nonce,
                "receipt": platform.result_of(raw_hash, blk.receipts[index])}

    @r.get("/v1/transactions/{tx_hash}/proof", response_model=s.ProofOut, tags=["explorer"])
    def proof(tx_hash: str, caller: Auth) -> dict[str, Any]:
        raw_hash, height, _ = located(caller, tx_hash)
        found = node.proof(raw_hash)
        problem = verify_tx_proof(node.suite, found, node.orderer_keys) or ""
        return {"tx_hash": tx_hash, "height": height, "proof": encode(found).hex(),
                "valid": not problem, "problem": problem, "path_length": len(found.tx_path),
                "checkpoints": len(found.checkpoints)}

    @r.post("/v1/chain/verify", response_model=s.VerifyOut, tags=["explorer"])
    def verify(caller: Auth, request: Request) -> dict[str, Any]:
        """Re-walk the whole chain: hashes, roots, signatures, re-execution, state (admins)."""
        platform.require_admin(caller)
        request.state.audit = "verify chain"
        report = verify_chain(node.store)
        request.state.audit += " ok" if report.ok else f" FAILED: {report.problem}"
        return {"ok": report.ok, "blocks": report.blocks, "transactions": report.transactions,
                "height": report.height, "problem": report.problem}

    @r.get("/v1/events", response_class=StreamingResponse, tags=["explorer"],
           responses={200: {"content": {"text/event-stream": {}},
                            "description": "server-sent events"}})
    async def events(request: Request, caller: Auth,
                     from_height: int | None = Query(None, ge=0, le=2**62),
                     limit: int | None = Query(None, ge=1, le=100_000)) -> StreamingResponse:
        """Committed events the caller may see, as server-sent events (``?token=`` accepted)."""
        token = request.state.token

        def still_allowed() -> bool:
            """Revoked, logged out, disabled or suspended ends the stream."""
            account = platform.accounts.authenticate(token)
            try:
                return account is not None and platform.caller(account) is not None
            except ApiError:
                return False

        queue = hub.open()
        # Blocks up to ``replay_until`` come from the index; later ones from the live feed.
        replay_until = platform.index.height

        def frames(rows: list[IndexedTx]) -> list[bytes]:
            out = []
            for row in rows:
                if not caller.may_see(row.orgs):
                    continue
                for e in row.events or [{"contract": row.contract, "attrs": {},
                                         "name": "TxCommitted" if row.ok else "TxFailed"}]:
                    data = {"height": row.height, "index": row.index, "tx_hash": row.tx_hash,
                            "contract": e["contract"], "action": row.action, "ok": row.ok,
                            "code": row.code, "attrs": e["attrs"]}
                    out.append(f"id: {row.height}-{row.index}\nevent: {e['name']}\n"
                               f"data: {json.dumps(data)}\n\n".encode())
            return out

        async def stream() -> AsyncIterator[bytes]:
            sent = 0
            try:
                yield b": smechain events\n\n"
                cursor = (from_height, -1) if from_height is not None else None
                while True:
                    if cursor is not None:
                        rows = await asyncio.to_thread(platform.index.rows_after, *cursor,
                                                       replay_until)
                        if rows:
                            cursor = (rows[-1].height, rows[-1].index)
                        else:
                            cursor = None
                            continue
                    else:
                        try:
                            rows = await asyncio.wait_for(queue.get(), 15)
                        except TimeoutError:
                            if await request.is_disconnected() or not still_allowed():
                                return
                            yield b": keep-alive\n\n"
                            continue
                        if not still_allowed():
                            return
                        rows = [r for r in rows if r.height > replay_until]
                    for frame in frames(rows):
                        yield frame
                        sent += 1
                        if limit is not None and sent >= limit:
                            return
            finally:
                hub.close(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    return r
