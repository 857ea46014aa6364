"""The chain explorer and the statistics: blocks, transactions, proofs, verification."""

from __future__ import annotations

from api_support import Api, covers, error

from smechain.core.encoding import decode
from smechain.core.proof import TxProof, verify_tx_proof


@covers("GET /v1/blocks")
def test_blocks_page_newest_first(shared: Api) -> None:
    height = shared.height()
    first = shared.ok("GET", "/v1/blocks?limit=5", as_="sme-t4/viewer")
    assert first["total"] == height + 1 and (first["offset"], first["limit"]) == (0, 5)
    heights = [b["height"] for b in first["items"]]
    assert heights == list(range(height, height - 5, -1))
    for newer, older in zip(first["items"], first["items"][1:], strict=False):
        assert newer["prev_hash"] == older["hash"]
    second = shared.ok("GET", "/v1/blocks?limit=5&offset=5", as_="sme-t4/viewer")
    assert [b["height"] for b in second["items"]] == list(range(height - 5, height - 10, -1))
    assert second["items"][0]["hash"] == first["items"][-1]["prev_hash"]
    tail = shared.ok("GET", f"/v1/blocks?limit=200&offset={height - 1}", as_="sme-t4/viewer")
    assert [b["height"] for b in tail["items"]] == [1, 0]
    assert shared.ok("GET", f"/v1/blocks?offset={height + 1}", as_="sme-t4/viewer")["items"] == []
    default = shared.ok("GET", "/v1/blocks", as_="sme-t4/viewer")  # docs: 1-200, default 50
    assert default["limit"] == 50 and len(default["items"]) == min(50, height + 1)
    error(shared.get("/v1/blocks?limit=0", "sme-t4/viewer"), 422, field="limit")
    error(shared.get("/v1/blocks?offset=x", "sme-t4/viewer"), 422, field="offset")
    error(shared.get("/v1/blocks"), 401)


@covers("GET /v1/blocks/{height}")
def test_block_detail_and_past_the_head(shared: Api) -> None:
    height = shared.height()
    head = shared.ok("GET", f"/v1/blocks/{height}", as_="regulator/viewer")
    listed = shared.ok("GET", "/v1/blocks?limit=1", as_="regulator/viewer")["items"][0]
    assert head["header"] == listed
    assert len(head["transactions"]) == head["header"]["tx_count"]
    genesis = shared.ok("GET", "/v1/blocks/0", as_="regulator/viewer")
    assert genesis["header"]["height"] == 0
    assert genesis["header"]["hash"] == shared.ok("GET", "/v1/blocks/1", as_="regulator/viewer"
                                                  )["header"]["prev_hash"]
    error(shared.get(f"/v1/blocks/{height + 1}", "regulator/viewer"), 404, field="height",
          code="not_found")
    error(shared.get("/v1/blocks/-1", "regulator/viewer"), 404, field="height")
    error(shared.get("/v1/blocks/top", "regulator/viewer"), 422, field="height")


@covers("GET /v1/transactions")
def test_transactions_page_newest_first_and_filter_by_contract(shared: Api) -> None:
    everything = shared.ok("GET", "/v1/transactions?limit=200", as_="regulator/viewer")
    items = everything["items"]
    assert len(items) == 200 and everything["total"] == _committed(shared)
    order = [(t["height"], t["index"]) for t in items]
    assert order == sorted(order, reverse=True)
    page = shared.ok("GET", "/v1/transactions?limit=3&offset=2", as_="regulator/viewer")
    assert page["items"] == items[2:5] and page["total"] == everything["total"]
    cash = shared.ok("GET", "/v1/transactions?contract=cash&limit=200", as_="regulator/viewer")
    assert {t["contract"] for t in cash["items"]} == {"cash"}
    # five issues, then the issuer's interest terms, a quarterly settlement and yesterday's
    # payment from core-a to sme-t1
    assert sorted(t["action"] for t in cash["items"]) == [
        "issue", "issue", "issue", "issue", "issue", "set_rate", "set_settlement_dates",
        "settle_interest", "transfer"]
    assert shared.ok("GET", "/v1/transactions?contract=nope",
                     as_="regulator/viewer")["total"] == 0
    every = [t for offset in range(0, everything["total"], 200) for t in shared.ok(
        "GET", f"/v1/transactions?limit=200&offset={offset}", as_="regulator/viewer")["items"]]
    assert len(every) == everything["total"] and every[:200] == items
    refused = [t for t in every if t["tx_hash"] == shared.ids["refused_tx"]]
    assert len(refused) == 1 and refused[0]["ok"] is False
    error(shared.get("/v1/transactions?limit=201", "regulator/viewer"), 422, field="limit")


def _committed(shared: Api) -> int:
    """Transactions in the demo's blocks (some blocks hold several)."""
    node = shared.demo.node
    return sum(len(node.block(h).txs) for h in range(1, node.height() + 1))


@covers("GET /v1/transactions/{tx_hash}", "GET /v1/transactions/{tx_hash}/proof")
def test_transaction_detail_and_its_inclusion_proof(shared: Api) -> None:
    tx_hash = shared.ids["refused_tx"]
    detail = shared.ok("GET", f"/v1/transactions/{tx_hash}", as_="sme-t1/viewer")
    assert (detail["contract"], detail["action"]) == ("receivable", "issue")
    assert detail["signers"][0]["org"] == "sme-t1"
    assert detail["receipt"]["ok"] is False and detail["receipt"]["code"] == "conflict"
    assert shared.ids["invoices"][0] in detail["receipt"]["message"]

    found = shared.ok("GET", f"/v1/transactions/{tx_hash}/proof", as_="sme-t1/viewer")
    assert found["tx_hash"] == tx_hash and found["height"] == detail["height"]
    assert found["valid"] is True and found["problem"] == ""
    proof = decode(bytes.fromhex(found["proof"]), TxProof)
    node = shared.demo.node
    assert not verify_tx_proof(node.suite, proof, node.orderer_keys)
    assert len(proof.tx_path) == found["path_length"]
    assert len(proof.checkpoints) == found["checkpoints"]
    # a proof with one byte of the transaction changed does not verify
    raw = bytearray(bytes.fromhex(found["proof"]))
    tampered_bytes = proof.tx
    spot = bytes(raw).find(tampered_bytes) + len(tampered_bytes) // 2
    raw[spot] ^= 0x01
    assert verify_tx_proof(node.suite, decode(bytes(raw), TxProof), node.orderer_keys)
    error(shared.get(f"/v1/transactions/{'cd' * 32}/proof", "sme-t1/viewer"), 404,
          field="tx_hash")
    error(shared.get("/v1/transactions/xyz/proof", "sme-t1/viewer"), 422, field="tx_hash")


@covers("POST /v1/chain/verify")
def test_chain_verification_is_for_the_regulator_and_admins(shared: Api) -> None:
    height = shared.height()
    report = shared.ok("POST", "/v1/chain/verify", as_="regulator/admin")
    assert report["ok"] is True and report["problem"] == ""
    assert report["blocks"] == height + 1 and report["transactions"] == _committed(shared)
    assert shared.ok("POST", "/v1/chain/verify", as_="bank-b/admin")["ok"] is True
    # re-walking the chain is heavy: admins only, the regulator's viewers included
    for who in ("bank-b/operator", "sme-t1/viewer", "regulator/viewer"):
        error(shared.post("/v1/chain/verify", who), 403, field="role", code="forbidden")
    error(shared.post("/v1/chain/verify"), 401)


@covers("GET /v1/stats/volumes")
def test_financed_volumes(shared: Api) -> None:
    everyone = shared.ok("GET", "/v1/stats/volumes", as_="regulator/viewer")
    # the demo's history: tier 1 sold to Bank A, the factor, and Bank A again, on three days
    assert [d["count"] for d in everyone] == [1, 1, 1]
    assert [d["day"] for d in everyone] == sorted(d["day"] for d in everyone)
    assert all(0 < d["amount"] < 180_000_000 for d in everyone)
    assert shared.ok("GET", "/v1/stats/volumes", as_="sme-t1/viewer") == everyone
    assert shared.ok("GET", "/v1/stats/volumes", as_="bank-a/viewer") == everyone[::2]
    assert shared.ok("GET", "/v1/stats/volumes", as_="factor-x/viewer") == everyone[1:2]
    assert shared.ok("GET", "/v1/stats/volumes", as_="bank-b/viewer") == []
    assert shared.ok("GET", "/v1/stats/volumes", as_="sme-t4/viewer") == []


@covers("GET /v1/stats/maturities")
def test_maturities_by_month(shared: Api) -> None:
    owed = shared.ok("GET", "/v1/stats/maturities?role=debtor", as_="core-a/viewer")
    months = [b["month"] for b in owed]
    assert months == sorted(months) and all(len(m) == 7 for m in months)
    # confirmed or overdue certificates core-a owes: the leaves of the tree, `second`, and
    # the two that came due (90,000,000 each)
    certs = shared.ok("GET", "/v1/certificates?role=debtor&limit=200", as_="core-a/viewer")
    live = [c for c in certs["items"] if c["status"] in ("confirmed", "overdue")]
    assert sum(b["count"] for b in owed) == len(live)
    assert sum(b["amount"] for b in owed) == sum(c["face"] for c in live) == 600_000_000
    held = shared.ok("GET", "/v1/stats/maturities", as_="sme-t4/viewer")
    assert [(b["count"], b["amount"]) for b in held] == [(1, 30_000_000)]
    assert shared.ok("GET", "/v1/stats/maturities?role=debtor", as_="sme-t4/viewer") == []
    assert shared.ok("GET", "/v1/stats/maturities?role=debtor",
                     as_="regulator/viewer") == owed
    error(shared.get("/v1/stats/maturities?role=supplier", "core-a/viewer"), 422, field="role")


@covers("GET /v1/stats/refusals")
def test_refused_double_financing_is_listed_for_the_regulator(shared: Api) -> None:
    found = shared.ok("GET", "/v1/stats/refusals", as_="regulator/viewer")
    assert found["total"] == 1
    (item,) = found["items"]
    assert item["tx_hash"] == shared.ids["refused_tx"]
    assert item["invoice"] == shared.ids["invoices"][0]
    assert item["field"].startswith("invoices["), item  # from the receipt, not the words
    assert (item["contract"], item["action"], item["ok"], item["code"]) == (
        "receivable", "issue", False, "conflict")
    assert item["sender_org"] == "sme-t1"
    assert shared.ok("GET", "/v1/stats/refusals", as_="sme-t1/viewer")["total"] == 1
    for who in ("bank-b/viewer", "sme-t4/viewer"):
        none = shared.ok("GET", "/v1/stats/refusals", as_=who)
        assert none["items"] == [] and none["total"] == 0
    error(shared.get("/v1/stats/refusals?limit=0", "regulator/viewer"), 422, field="limit")


def test_a_refusal_names_its_field_and_the_invoice_from_the_arguments() -> None:
    # The index reads the invoice a refusal concerns from the transaction's arguments at
    # the receipt's field, never from the message's words.
    from smechain.api.index import subject_of

    args = {"invoices": [{"invoice": "S/1", "amount": 5}, ["S/2", 7]], "debtor": "core-a"}
    assert subject_of(args, "invoices[0]") == "S/1"
    assert subject_of(args, "invoices[1]") == "S/2"
    assert subject_of(args, "invoices[1].amount") == "S/2"
    assert subject_of(args, "debtor") == "core-a"
    assert subject_of(args, "invoices[5]") == subject_of(args, "nothing") == ""
