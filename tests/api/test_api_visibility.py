"""Need-to-know: each organisation reads what concerns it; the regulator reads everything."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from api_support import Api, covers, error

from smechain.api.demo import TAX_IDS
from smechain.modules.invoice.contract import invoice_id


def tree_ids(node: dict[str, Any]) -> list[str]:
    return [node["id"], *(i for part in node["parts"] for i in tree_ids(part))]


def cash_issue_to(api: Api, org: str) -> dict[str, Any]:
    """The seeded transaction in which the cash issuer issued cash to ``org``."""
    items = api.ok("GET", "/v1/transactions?contract=cash&limit=200",
                   as_="regulator/viewer")["items"]
    for item in items:
        if item["action"] == "issue":
            detail = api.ok("GET", f"/v1/transactions/{item['tx_hash']}", as_="regulator/viewer")
            if detail["args"]["to"] == org:
                return detail
    raise AssertionError(f"no cash issue to {org}")


# --- balances ----------------------------------------------------------------------------


@covers("GET /v1/balances")
def test_balances_are_an_organisations_own_business(shared: Api) -> None:
    own = shared.ok("GET", "/v1/balances", as_="sme-t1/viewer")
    assert own["org"] == "sme-t1" and own["balances"]["CNY"] > 0
    assert shared.ok("GET", "/v1/balances?org=sme-t1", as_="sme-t1/viewer") == own
    detail = error(shared.get("/v1/balances?org=sme-t1", "sme-t2/operator"), 403, field="org",
                   code="forbidden")
    assert "178" not in detail["message"]  # no amount leaks into the refusal
    error(shared.get("/v1/balances?org=bank-a", "bank-b/admin"), 403, field="org")
    # an unknown organisation is no reason to answer differently to a non-regulator
    error(shared.get("/v1/balances?org=no-such-org", "sme-t2/operator"), 403, field="org")
    error(shared.get("/v1/balances?org=no-such-org", "regulator/viewer"), 404, field="org")
    error(shared.get("/v1/balances"), 401)


@covers("GET /v1/balances")
def test_regulator_reads_every_balance(shared: Api) -> None:
    for org in ("core-a", "sme-t1", "bank-a", "bank-b", "factor-x", "sme-t3"):
        found = shared.ok("GET", f"/v1/balances?org={org}", as_="regulator/viewer")
        assert found["org"] == org and found["balances"]["CNY"] > 0
    assert shared.ok("GET", "/v1/balances?org=tax-sh", as_="regulator/viewer")["balances"] == {}


# --- certificates ------------------------------------------------------------------------


@covers("GET /v1/certificates/{cert_id}")
def test_a_part_holder_sees_its_line_of_the_lineage(shared: Api) -> None:
    root = shared.ids["certificate"]
    found = shared.ok("GET", f"/v1/certificates/{root}.1.1.1", as_="sme-t4/viewer")
    cert = found["certificate"]
    assert (cert["id"], cert["holder"], cert["face"], cert["parent"], cert["root"]) == (
        f"{root}.1.1.1", "sme-t4", 30_000_000, f"{root}.1.1", root)
    tree = found["lineage"]
    assert tree["id"] == root and tree["holder"] == "sme-t1" and tree["face"] == 300_000_000
    assert sorted(tree_ids(tree)) == sorted([root, f"{root}.1", f"{root}.2", f"{root}.1.1",
                                             f"{root}.1.2", f"{root}.1.1.1", f"{root}.1.1.2"])
    # every node's parts add up to its face
    def check(node: dict[str, Any]) -> None:
        if node["parts"]:
            assert sum(p["face"] for p in node["parts"]) == node["face"]
            for p in node["parts"]:
                check(p)
    check(tree)
    # its own line (ancestors and itself) with holders; other branches without
    holders = {n["id"]: n["holder"] for n in _walk(tree)}
    assert holders == {root: "sme-t1", f"{root}.1": "sme-t2", f"{root}.1.1": "sme-t3",
                       f"{root}.1.1.1": "sme-t4", f"{root}.2": "", f"{root}.1.2": "",
                       f"{root}.1.1.2": ""}
    error(shared.get(f"/v1/certificates/{root}.2", "sme-t4/viewer"), 403, field="cert_id")
    # the holder of a branch point sees everything below it
    below = shared.ok("GET", f"/v1/certificates/{root}.1", as_="sme-t2/viewer")["lineage"]
    seen = {n["id"]: n["holder"] for n in _walk(below)}
    assert seen[f"{root}.1.1.1"] == "sme-t4" and seen[f"{root}.2"] == ""


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for part in node["parts"] for n in _walk(part))]


@covers("GET /v1/certificates/{cert_id}", "GET /v1/certificates/{cert_id}/price")
def test_a_non_party_cannot_read_or_price_a_certificate(shared: Api) -> None:
    root = shared.ids["certificate"]
    for cert in (root, f"{root}.1.1.1"):
        detail = error(shared.get(f"/v1/certificates/{cert}", "bank-b/viewer"), 403,
                       field="cert_id", code="forbidden")
        assert "bank-b" in detail["message"]
        error(shared.get(f"/v1/certificates/{cert}/price?discount_rate_bp=100",
                         "bank-b/viewer"), 403, field="cert_id")
    error(shared.get(f"/v1/certificates/{root}", "tax-sh/viewer"), 403, field="cert_id")
    error(shared.get("/v1/certificates/0123456789abcdef", "bank-b/viewer"), 404,
          field="cert_id", code="not_found")
    error(shared.get(f"/v1/certificates/{root}"), 401)


@covers("GET /v1/certificates")
def test_certificate_lists_show_only_the_callers(shared: Api) -> None:
    root = shared.ids["certificate"]
    held = shared.ok("GET", "/v1/certificates?role=holder", as_="sme-t4/viewer")
    assert [c["id"] for c in held["items"]] == [f"{root}.1.1.1"] and held["total"] == 1
    assert shared.ok("GET", "/v1/certificates", as_="bank-b/viewer")["total"] == 0
    owed = shared.ok("GET", "/v1/certificates?role=debtor&limit=200", as_="core-a/viewer")
    assert owed["total"] >= 9 and all(c["debtor"] == "core-a" for c in owed["items"])
    supplied = shared.ok("GET", "/v1/certificates?role=supplier&status=requested",
                         as_="sme-t1/viewer")
    assert [c["id"] for c in supplied["items"]] == [shared.ids["requested"]]
    everything = shared.ok("GET", "/v1/certificates?limit=200", as_="regulator/viewer")
    assert everything["total"] == owed["total"]
    page = shared.ok("GET", "/v1/certificates?limit=2&offset=1", as_="regulator/viewer")
    assert page["items"] == everything["items"][1:3]
    assert all(c["supplier"] and c["invoices"] is not None for c in everything["items"])
    error(shared.get("/v1/certificates?role=owner", "sme-t1/viewer"), 422, field="role")
    error(shared.get("/v1/certificates?limit=500", "sme-t1/viewer"), 422, field="limit")


@covers("GET /v1/certificates/{cert_id}/price")
def test_price_arguments_are_checked(shared: Api) -> None:
    second = shared.ids["second"]
    path = f"/v1/certificates/{second}/price"
    on = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 10 * 86400))  # before maturity
    quote = shared.ok("GET", f"{path}?discount_rate_bp=365&day_count=ACT/365F&on={on}",
                      as_="sme-t1/viewer")
    assert quote["days"] > 0 and quote["day_count"] == "ACT/365F"
    assert quote["discount"] == round(quote["face"] * 365 * quote["days"] / (10_000 * 365))
    assert shared.ok("GET", f"{path}?discount_rate_bp=365&on={on}",
                     as_="sme-t1/viewer") == quote  # ACT/365F unless told otherwise
    assert shared.ok("GET", f"{path}?discount_rate_bp=0&on={on}", as_="sme-t1/viewer")[
        "price"] == quote["face"]
    error(shared.get(path, "sme-t1/viewer"), 422, field="discount_rate_bp")
    error(shared.get(f"{path}?discount_rate_bp=10001", "sme-t1/viewer"), 422,
          field="discount_rate_bp")
    for bad in ("366", "ACT/364", "act/360"):
        error(shared.get(f"{path}?discount_rate_bp=100&day_count={bad}", "sme-t1/viewer"), 422,
              field="day_count")
    for bad in ("2026-02-30", "tomorrow"):
        error(shared.get(f"{path}?discount_rate_bp=100&on={bad}", "sme-t1/viewer"), 422,
              field="on")
    # no sale can happen on a day past, nor on one after maturity: the date is at fault
    for bad in ("2000-01-01", "2999-01-01"):
        error(shared.get(f"{path}?discount_rate_bp=100&on={bad}", "sme-t1/viewer"), 422,
              field="on", code="bad_args")
    # only confirmed certificates can be sold: not one still requested, nor one split
    for cert in (shared.ids["requested"], shared.ids["certificate"]):
        detail = error(shared.get(f"/v1/certificates/{cert}/price?discount_rate_bp=100",
                                  "sme-t1/viewer"), 409, field="cert_id", code="conflict")
        assert "confirmed" in detail["message"]


# --- invoices ----------------------------------------------------------------------------


@covers("GET /v1/invoices/{invoice_id}", "GET /v1/invoices")
def test_invoices_are_seen_by_seller_buyer_and_authority(shared: Api) -> None:
    inv = shared.ids["invoices"][0]
    for who in ("sme-t1/viewer", "core-a/viewer", "tax-sh/viewer", "regulator/viewer"):
        found = shared.ok("GET", f"/v1/invoices/{inv}", as_=who)
        assert (found["id"], found["total_amount"], found["status"]) == (
            inv, 300_000_000, "valid")
        assert found["financed"] == 300_000_000
    for who in ("sme-t2/viewer", "bank-b/viewer"):
        error(shared.get(f"/v1/invoices/{inv}", who), 403, field="invoice_id",
              code="forbidden")
    never = invoice_id(TAX_IDS["sme-t1"], "031002600111", "00000000")
    error(shared.get(f"/v1/invoices/{never}", "sme-t1/viewer"), 404,
          field="invoice_id", code="not_found")
    assert shared.ok("GET", "/v1/invoices", as_="sme-t2/viewer")["total"] == 0
    seller = shared.ok("GET", "/v1/invoices?limit=200", as_="sme-t1/viewer")
    # the demo's invoices and its credit note against invoice 20260002
    credit = invoice_id(TAX_IDS["sme-t1"], "031002600111", "20269001")
    assert sorted(i["id"] for i in seller["items"]) == sorted([*shared.ids["invoices"], credit])
    voided = shared.ok("GET", "/v1/invoices?status=voided", as_="core-a/viewer")
    assert [i["id"] for i in voided["items"]] == [shared.ids["invoices"][5]]
    error(shared.get("/v1/invoices?status=paid", "core-a/viewer"), 422, field="status")


@covers("GET /v1/invoices/{invoice_id}/verify")
def test_anyone_signed_in_checks_an_invoice_digest(shared: Api) -> None:
    inv = shared.ids["invoices"][0]
    digest = hashlib.sha256(b"demo e-invoice 20260001").hexdigest()
    for who in ("bank-b/viewer", "sme-t4/viewer", "regulator/viewer"):
        check = shared.ok("GET", f"/v1/invoices/{inv}/verify?digest={digest}", as_=who)
        assert check == {"invoice": inv, "match": True, "status": "valid", "kind": "invoice",
                         "currency": "CNY", "total_amount": 300_000_000,
                         "amount_due": 300_000_000, "financed": 300_000_000, "dilution": 0}
    # without the file, a stranger learns only that it does not match: no figures
    wrong = shared.ok("GET", f"/v1/invoices/{inv}/verify?digest={'0' * 64}", as_="bank-b/viewer")
    assert wrong == {"invoice": inv, "match": False, "status": None, "kind": None,
                     "currency": None, "total_amount": None, "amount_due": None,
                     "financed": None, "dilution": None}
    party = shared.ok("GET", f"/v1/invoices/{inv}/verify?digest={'0' * 64}", as_="core-a/viewer")
    assert party["match"] is False and party["financed"] == 300_000_000
    voided = shared.ids["invoices"][5]
    voided_digest = hashlib.sha256(b"demo e-invoice 20260006").hexdigest()
    assert shared.ok("GET", f"/v1/invoices/{voided}/verify?digest={voided_digest}",
                     as_="bank-b/viewer")["status"] == "voided"
    for bad in ("xyz", "0" * 63, "A" * 64, ""):
        error(shared.get(f"/v1/invoices/{inv}/verify?digest={bad}", "bank-b/viewer"), 422,
              field="digest", code="bad_args")
    error(shared.get(f"/v1/invoices/{inv}/verify", "bank-b/viewer"), 422, field="digest")
    error(shared.get(f"/v1/invoices/no-such-1/verify?digest={digest}", "bank-b/viewer"), 404,
          field="invoice_id")
    error(shared.get(f"/v1/invoices/{inv}/verify?digest={digest}"), 401)


# --- transactions and blocks -------------------------------------------------------------


@covers("GET /v1/transactions/{tx_hash}", "GET /v1/transactions/{tx_hash}/proof")
def test_another_organisations_transaction_is_403(shared: Api) -> None:
    tx = cash_issue_to(shared, "bank-b")
    path = f"/v1/transactions/{tx['tx_hash']}"
    for who in ("sme-t2/viewer", "bank-a/admin", "core-a/viewer"):
        error(shared.get(path, who), 403, field="tx_hash", code="forbidden")
        error(shared.get(f"{path}/proof", who), 403, field="tx_hash")
    assert shared.ok("GET", path, as_="bank-b/viewer")["args"]["to"] == "bank-b"
    assert shared.ok("GET", path, as_="pboc/viewer")["signers"][0]["org"] == "pboc"
    error(shared.get(f"/v1/transactions/{'ab' * 32}", "bank-b/viewer"), 404, field="tx_hash")
    error(shared.get("/v1/transactions/not-hex", "bank-b/viewer"), 422, field="tx_hash")


@covers("GET /v1/blocks/{height}")
def test_block_detail_hides_other_organisations_transactions(shared: Api) -> None:
    tx = cash_issue_to(shared, "bank-b")
    height = tx["height"]
    hidden = shared.ok("GET", f"/v1/blocks/{height}", as_="sme-t2/viewer")
    assert hidden["header"]["height"] == height and hidden["header"]["tx_count"] == 1
    assert hidden["transactions"] == [] and hidden["hidden"] == 1
    shown = shared.ok("GET", f"/v1/blocks/{height}", as_="bank-b/viewer")
    assert [t["tx_hash"] for t in shown["transactions"]] == [tx["tx_hash"]]
    assert shown["hidden"] == 0 and shown["header"] == hidden["header"]
    assert shared.ok("GET", f"/v1/blocks/{height}", as_="regulator/viewer")["hidden"] == 0


@covers("GET /v1/transactions")
def test_transaction_lists_are_need_to_know(shared: Api) -> None:
    mine = shared.ok("GET", "/v1/transactions?limit=200", as_="sme-t4/viewer")
    everything = shared.ok("GET", "/v1/transactions?limit=200", as_="regulator/viewer")
    assert 0 < mine["total"] < everything["total"]
    for item in mine["items"]:
        assert shared.get(f"/v1/transactions/{item['tx_hash']}", "sme-t4/viewer"
                          ).status_code == 200
    others = {t["tx_hash"] for t in everything["items"]} - {t["tx_hash"] for t in mine["items"]}
    sample = sorted(others)[:5]
    for tx_hash in sample:
        error(shared.get(f"/v1/transactions/{tx_hash}", "sme-t4/viewer"), 403, field="tx_hash")


@covers("GET /v1/balances", "GET /v1/certificates/{cert_id}", "GET /v1/transactions/{tx_hash}",
        "GET /v1/audit", "GET /v1/invoices/{invoice_id}", "POST /v1/contracts/cash/transfer",
        "POST /v1/contracts/receivable/confirm", "POST /v1/contracts/invoice/void",
        "POST /v1/proposals")
def test_regulator_reads_everything_and_changes_nothing(shared: Api) -> None:
    ids = shared.ids
    shared.ok("GET", f"/v1/certificates/{ids['certificate']}.1.1.1", as_="regulator/viewer")
    shared.ok("GET", f"/v1/certificates/{ids['requested']}", as_="regulator/viewer")
    shared.ok("GET", f"/v1/invoices/{ids['invoices'][2]}", as_="regulator/viewer")
    shared.ok("GET", f"/v1/transactions/{ids['refused_tx']}", as_="regulator/viewer")
    shared.ok("GET", f"/v1/transactions/{cash_issue_to(shared, 'factor-x')['tx_hash']}",
              as_="regulator/viewer")
    assert shared.ok("GET", "/v1/audit", as_="regulator/viewer")["total"] > 0
    stored = shared.stored()
    balances = {o: shared.balance(o) for o in ("sme-t1", "sme-t4")}  # any org's, as regulator
    for who in ("regulator/viewer", "regulator/operator", "regulator/admin"):
        field = "role" if who.endswith("viewer") else "org"
        error(shared.post("/v1/contracts/cash/transfer", who,
                          json={"currency": "CNY", "to": "sme-t1", "amount": 1}), 403,
              field=field)
        error(shared.post("/v1/contracts/receivable/confirm", who,
                          json={"id": ids["requested"]}), 403, field=field)
        error(shared.post("/v1/contracts/invoice/void", who,
                          json={"invoice": ids["invoices"][3]}), 403, field=field)
        error(shared.post("/v1/proposals", who, json={
            "contract": "cash", "action": "transfer", "cosigners": ["bank-a"],
            "args": {"currency": "CNY", "to": "sme-t1", "amount": 1}}), 403, field=field)
    assert shared.stored() == stored
    assert {o: shared.balance(o) for o in ("sme-t1", "sme-t4")} == balances


@covers("GET /v1/orgs", "GET /v1/orgs/{org_id}")
def test_organisations_are_public_to_members(shared: Api) -> None:
    orgs = shared.ok("GET", "/v1/orgs", as_="sme-t4/viewer")
    by_id = {o["id"]: o for o in orgs}
    assert {"core-a", "sme-t1", "bank-a", "regulator", "pboc", "factor-y"} <= set(by_id)
    assert by_id["regulator"]["roles"] == ["regulator"]
    assert all(o["status"] == "active" and len(bytes.fromhex(o["admin_key"])) == 32
               for o in orgs)
    assert shared.ok("GET", "/v1/orgs/bank-a", as_="sme-t4/viewer") == by_id["bank-a"]
    error(shared.get("/v1/orgs/no-such-org", "sme-t4/viewer"), 404, field="org_id",
          code="not_found")
    error(shared.get("/v1/orgs"), 401)


def rebuild_index(api: Api) -> Api:
    """Restart the API's service layer over the same node without its index file, as after
    losing ``index.sqlite`` (the index is "rebuilt from the chain whenever the file is
    missing"); a client over the new platform."""
    from smechain.api.platform import Platform

    demo = api.demo
    demo.platform.close()
    for suffix in ("", "-wal", "-shm"):
        (demo.folder / f"index.sqlite{suffix}").unlink(missing_ok=True)
    demo.platform = Platform(demo.node, demo.folder)
    assert demo.platform.index.wait_for(demo.node.height(), 10)
    return Api(demo, api.ids)


@covers("GET /v1/transactions", "GET /v1/stats/volumes", "POST /v1/contracts/receivable/transfer")
def test_visibility_does_not_change_when_the_index_is_rebuilt(api: Api) -> None:
    part = f"{api.ids['certificate']}.2"
    api.ok("POST", "/v1/contracts/receivable/transfer", as_="bank-a/operator",
           json={"id": part, "to": "factor-x"})
    assert api.demo.platform.index.wait_for(api.demo.node.height(), 10)

    def view(client: Api) -> tuple[set[str], list[dict[str, Any]]]:
        txs = client.ok("GET", "/v1/transactions?limit=200", as_="factor-x/viewer")["items"]
        return ({t["tx_hash"] for t in txs},
                client.ok("GET", "/v1/stats/volumes", as_="factor-x/viewer"))

    live = view(api)
    rebuilt = view(rebuild_index(api))
    assert rebuilt == live
