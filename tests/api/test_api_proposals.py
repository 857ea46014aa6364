"""Multi-party transactions through proposals: offer, price, co-sign, reject."""

from __future__ import annotations

from typing import Any

from api_support import Api, covers, error

from smechain.api.proposals import STATUSES

DAY_MS = 86_400_000


def sale(cert: str, buyer: str = "bank-b", discount_rate_bp: int = 500,
         day_count: str = "ACT/365F") -> dict[str, Any]:
    return {"contract": "receivable", "action": "sell", "cosigners": [buyer],
            "args": {"id": cert, "buyer": buyer, "discount_rate_bp": discount_rate_bp,
                     "day_count": day_count, "recourse": True}}


def split_second(api: Api) -> tuple[str, str]:
    """sme-t1 splits its confirmed certificate ``second`` into two parts it holds."""
    second = api.ids["second"]
    api.ok("POST", "/v1/contracts/receivable/split", as_="sme-t1/operator",
           json={"id": second, "amounts": [50_000_000, 70_000_000]})
    return f"{second}.1", f"{second}.2"


@covers("POST /v1/proposals", "GET /v1/proposals", "GET /v1/proposals/{proposal_id}",
        "GET /v1/certificates/{cert_id}/price", "POST /v1/proposals/{proposal_id}/sign",
        "GET /v1/certificates/{cert_id}")
def test_offer_price_and_sale_of_a_certificate_part(api: Api) -> None:
    part, _ = split_second(api)
    price_path = f"/v1/certificates/{part}/price?discount_rate_bp=500"
    # before the offer, bank-b is no party to the certificate
    error(api.get(price_path, "bank-b/operator"), 403, field="cert_id")

    offer = api.ok("POST", "/v1/proposals", as_="sme-t1/operator", status=201, json=sale(part))
    assert offer["status"] == "open" and offer["sender_org"] == "sme-t1"
    assert offer["cosigners"] == ["bank-b"] and offer["signers"] == ["sme-t1", "bank-b"]
    assert offer["signed_by"] == [] and offer["result"] is None and offer["reason"] == ""
    # open for seven days unless the proposer says otherwise
    assert offer["expires_ms"] - offer["created_ms"] == 7 * DAY_MS
    pid = offer["id"]

    listed = api.ok("GET", "/v1/proposals?role=cosigner&status=open", as_="bank-b/operator")
    assert [p["id"] for p in listed["items"]] == [pid] and listed["total"] == 1
    assert api.ok("GET", "/v1/proposals?role=sender", as_="bank-b/operator")["items"] == []
    sent = api.ok("GET", "/v1/proposals?role=sender&status=open", as_="sme-t1/viewer")
    assert pid in [p["id"] for p in sent["items"]]
    error(api.get(f"/v1/proposals/{pid}", "sme-t2/operator"), 404, field="id")
    assert pid not in [p["id"] for p in api.ok("GET", "/v1/proposals",
                                                as_="sme-t2/operator")["items"]]
    assert api.ok("GET", f"/v1/proposals/{pid}", as_="regulator/viewer")["id"] == pid

    # the bank it is offered to may price it; a bank it is not offered to may not
    quote = api.ok("GET", price_path, as_="bank-b/operator")
    assert (quote["id"], quote["face"], quote["discount_rate_bp"], quote["day_count"]) == (
        part, 50_000_000, 500, "ACT/365F")
    assert quote["price"] == quote["face"] - quote["discount"] and quote["discount"] > 0
    assert api.ok("GET", f"/v1/certificates/{part}", as_="bank-b/viewer")["certificate"][
        "holder"] == "sme-t1"
    error(api.get(price_path, "bank-a/operator"), 403, field="cert_id", code="forbidden")
    error(api.get(f"/v1/certificates/{part}", "bank-a/operator"), 403, field="cert_id")

    seller, buyer = api.balance("sme-t1"), api.balance("bank-b")
    signed = api.ok("POST", f"/v1/proposals/{pid}/sign", as_="bank-b/operator")
    assert signed["status"] == "done" and signed["signed_by"] == ["bank-b"]
    result = signed["result"]
    assert result["status"] == "committed" and result["ok"] is True
    sold = [e for e in result["events"] if e["name"] == "CertificateSold"]
    assert len(sold) == 1
    attrs = sold[0]["attrs"]
    assert (attrs["id"], attrs["seller"], attrs["buyer"]) == (part, "sme-t1", "bank-b")
    assert attrs["price"] == quote["price"] or attrs["days"] != quote["days"]
    cert = api.ok("GET", f"/v1/certificates/{part}", as_="bank-b/viewer")["certificate"]
    assert cert["holder"] == "bank-b" and cert["recourse_to"] == "sme-t1"
    assert api.balance("sme-t1") == seller + attrs["price"]
    assert api.balance("bank-b") == buyer - attrs["price"]
    # the signed transaction carries both organisations' keys
    detail = api.ok("GET", f"/v1/transactions/{result['tx_hash']}", as_="bank-b/viewer")
    assert [s["org"] for s in detail["signers"]] == ["sme-t1", "bank-b"]

    again = api.post(f"/v1/proposals/{pid}/sign", "bank-b/operator")
    error(again, 409, field="id", code="conflict")
    assert api.balance("bank-b") == buyer - attrs["price"]


@covers("POST /v1/proposals/{proposal_id}/sign")
def test_who_may_sign(api: Api) -> None:
    part, _ = split_second(api)
    pid = api.ok("POST", "/v1/proposals", as_="sme-t1/operator", status=201,
                 json=sale(part))["id"]
    stored = api.stored()
    error(api.post(f"/v1/proposals/{pid}/sign", "sme-t1/operator"), 403, field="id",
          code="forbidden")  # the sender is no co-signer
    error(api.post(f"/v1/proposals/{pid}/sign", "regulator/admin"), 403, field="id")
    error(api.post(f"/v1/proposals/{pid}/sign", "bank-b/viewer"), 403, field="role")
    error(api.post(f"/v1/proposals/{pid}/sign", "bank-a/operator"), 404, field="id")
    error(api.post("/v1/proposals/0000000000000000/sign", "bank-b/operator"), 404, field="id")
    error(api.post(f"/v1/proposals/{pid}/sign"), 401)
    assert api.stored() == stored
    doc = api.ok("GET", f"/v1/proposals/{pid}", as_="sme-t1/viewer")
    assert doc["status"] == "open" and doc["signed_by"] == []


@covers("POST /v1/proposals/{proposal_id}/sign", "GET /v1/proposals/{proposal_id}")
def test_signing_an_offer_that_no_longer_holds_is_409_and_stores_nothing(api: Api) -> None:
    """The demo's open offer of ``second`` to bank-a goes stale once sme-t1 splits it."""
    split_second(api)
    pid = api.ids["offer_bank_a"]
    before = api.snapshot("bank-a/operator", ("sme-t1", "bank-a"))
    detail = error(api.post(f"/v1/proposals/{pid}/sign", "bank-a/operator"), 409, field="id",
                   code="conflict")
    assert "stale" in detail["message"]
    api.assert_unchanged(before, "bank-a/operator", ("sme-t1", "bank-a"))
    doc = api.ok("GET", f"/v1/proposals/{pid}", as_="bank-a/viewer")
    assert doc["status"] == "stale" and doc["signed_by"] == [] and doc["result"] is None
    assert "changed hands or state" in doc["reason"]


@covers("POST /v1/proposals/{proposal_id}/reject", "POST /v1/proposals/{proposal_id}/sign",
        "GET /v1/proposals")
def test_reject_an_open_offer(api: Api) -> None:
    pid = api.ids["offer_factor"]
    error(api.post(f"/v1/proposals/{pid}/reject", "factor-x/viewer"), 403, field="role")
    error(api.post(f"/v1/proposals/{pid}/reject", "sme-t1/operator"), 404, field="id")
    rejected = api.ok("POST", f"/v1/proposals/{pid}/reject", as_="factor-x/operator")
    assert rejected["status"] == "rejected" and rejected["result"] is None
    error(api.post(f"/v1/proposals/{pid}/reject", "factor-x/operator"), 409, field="id")
    stored = api.stored()
    error(api.post(f"/v1/proposals/{pid}/sign", "factor-x/operator"), 409, field="id")
    assert api.stored() == stored
    listed = api.ok("GET", "/v1/proposals?status=rejected", as_="sme-t2/viewer")["items"]
    assert [p["id"] for p in listed] == [pid]
    assert pid not in [p["id"] for p in api.ok("GET", "/v1/proposals?status=open",
                                                as_="factor-x/viewer")["items"]]


@covers("POST /v1/proposals/{proposal_id}/reject")
def test_sender_withdraws_its_offer(api: Api) -> None:
    pid = api.ids["offer_bank_a"]
    withdrawn = api.ok("POST", f"/v1/proposals/{pid}/reject", as_="sme-t1/operator")
    assert withdrawn["status"] == "rejected"
    # no longer offered: bank-a loses its view of sme-t1's certificate
    error(api.get(f"/v1/certificates/{api.ids['second']}/price?discount_rate_bp=100",
                  "bank-a/operator"), 403, field="cert_id")


@covers("POST /v1/proposals")
def test_proposals_are_checked_before_they_are_stored(shared: Api) -> None:
    second = shared.ids["second"]
    total = shared.ok("GET", "/v1/proposals", as_="regulator/viewer")["total"]

    def refused(body: dict[str, Any], who: str, status: int, field: str) -> None:
        error(shared.post("/v1/proposals", who, json=body), status, field=field)

    bad_rate = sale(second)
    bad_rate["args"]["discount_rate_bp"] = "five"
    refused(bad_rate, "sme-t1/operator", 422, "args.discount_rate_bp")
    unknown_arg = sale(second)
    unknown_arg["args"]["discount"] = 1
    refused(unknown_arg, "sme-t1/operator", 422, "args.discount")
    missing = sale(second)
    del missing["args"]["day_count"]
    refused(missing, "sme-t1/operator", 422, "args.day_count")
    refused(sale(second, day_count="ACT/364"), "sme-t1/operator", 422, "args.day_count")
    refused(sale(second, day_count="365"), "sme-t1/operator", 422, "args.day_count")
    refused({**sale(second), "cosigners": ["nobody"]}, "sme-t1/operator", 404, "cosigners[0]")
    refused({**sale(second), "cosigners": ["bank-b", "bank-b"]}, "sme-t1/operator", 422,
            "cosigners[1]")
    refused({**sale(second), "cosigners": ["sme-t1"]}, "sme-t1/operator", 422, "cosigners[0]")
    refused({**sale(second), "cosigners": []}, "sme-t1/operator", 422, "cosigners")
    refused({**sale(second), "action": "steal"}, "sme-t1/operator", 404, "action")
    refused(sale(second), "sme-t1/viewer", 403, "role")
    refused(sale(second), "regulator/admin", 403, "org")
    refused(sale(second), "sme-t2/operator", 404, "id")         # not a party: as if unknown
    refused(sale(f"{shared.ids['certificate']}.2", "bank-b"), "sme-t1/operator", 404, "id")
    refused(sale(second, discount_rate_bp=20_000), "sme-t1/operator", 422,
            "args.discount_rate_bp")  # out of its type's bounds, named where the body has it
    assert shared.ok("GET", "/v1/proposals", as_="regulator/viewer")["total"] == total


@covers("GET /v1/proposals")
def test_proposal_listing_is_need_to_know(shared: Api) -> None:
    ids = shared.ids
    everything = {p["id"] for p in shared.ok("GET", "/v1/proposals?limit=200",
                                              as_="regulator/viewer")["items"]}
    assert {ids["offer_bank_a"], ids["offer_factor"], ids["sold_proposal"],
            ids["proposal_vote"]} <= everything
    mine = {p["id"]: p for p in shared.ok("GET", "/v1/proposals?limit=200",
                                           as_="bank-a/viewer")["items"]}
    assert ids["offer_bank_a"] in mine and ids["sold_proposal"] in mine
    assert ids["offer_factor"] not in mine
    assert all("bank-a" in p["signers"] for p in mine.values())
    # tier 4's only proposal is its own pledge of a warehouse receipt to Bank B
    t4 = shared.ok("GET", "/v1/proposals", as_="sme-t4/viewer")
    assert [(p["contract"], p["action"], p["signers"]) for p in t4["items"]] == [
        ("warehouse_receipt", "pledge", ["sme-t4", "bank-b"])] and t4["total"] == 1
    none = shared.ok("GET", "/v1/proposals", as_="si-sh/viewer")
    assert none["items"] == [] and none["total"] == 0
    error(shared.get("/v1/proposals?role=buyer", "bank-a/viewer"), 422, field="role")
    error(shared.get("/v1/proposals?status=finished", "bank-a/viewer"), 422, field="status")
    error(shared.get(f"/v1/proposals/{ids['offer_factor']}", "bank-a/viewer"), 404, field="id")


@covers("POST /v1/proposals", "POST /v1/proposals/{proposal_id}/sign",
        "POST /v1/contracts/membership/readmit_org", "GET /v1/me")
def test_governance_vote_suspends_an_organisation(api: Api) -> None:
    """Two governing admins suspend sme-t4; its users are then turned away (403 org)."""
    vote = {"contract": "membership", "action": "suspend_org", "args": {"org": "sme-t4"},
            "cosigners": ["core-a"]}
    error(api.post("/v1/proposals", "regulator/operator", json=vote), 403, field="role")
    pid = api.ok("POST", "/v1/proposals", as_="regulator/admin", status=201, json=vote)["id"]
    error(api.post(f"/v1/proposals/{pid}/sign", "core-a/operator"), 403, field="role")
    token = api.token("sme-t4/viewer")
    done = api.ok("POST", f"/v1/proposals/{pid}/sign", as_="core-a/admin")
    assert done["status"] == "done" and done["reason"] == ""
    assert [e["name"] for e in done["result"]["events"]] == ["OrgSuspended"]
    assert api.ok("GET", "/v1/orgs/sme-t4", as_="regulator/viewer")["status"] == "suspended"
    r = api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    error(r, 403, field="org", code="forbidden")
    error(api.login("sme-t4", "operator"), 403, field="org")
    # one governing admin alone cannot readmit it
    detail = error(api.post("/v1/contracts/membership/readmit_org", "regulator/admin",
                            json={"org": "sme-t4"}), 403, field="signers")
    assert "POST /v1/proposals" in detail["message"]


@covers("POST /v1/proposals/{proposal_id}/sign", "GET /v1/proposals/{proposal_id}",
        "GET /v1/certificates/{cert_id}", "GET /v1/certificates/{cert_id}/price",
        "POST /v1/proposals/{proposal_id}/reject", "GET /v1/proposals")
def test_a_sale_closes_the_other_banks_offer_and_shows_it_nothing(api: Api) -> None:
    """sme-t1 offered ``second`` to bank-a (the demo) and now sells it to bank-b."""
    second, stale = api.ids["second"], api.ids["offer_bank_a"]
    offered = api.ok("GET", f"/v1/certificates/{second}", as_="bank-a/viewer")
    assert offered["certificate"]["holder"] == "sme-t1"
    pid = api.ok("POST", "/v1/proposals", as_="sme-t1/operator", status=201,
                 json=sale(second, "bank-b"))["id"]
    assert api.ok("POST", f"/v1/proposals/{pid}/sign", as_="bank-b/operator")["status"] == "done"

    doc = api.ok("GET", f"/v1/proposals/{stale}", as_="bank-a/viewer")
    assert doc["status"] == "stale" and doc["result"] is None and "bank-b" not in str(doc)
    # no view of the certificate, its lineage or its price any more
    for path in (f"/v1/certificates/{second}",
                 f"/v1/certificates/{second}/price?discount_rate_bp=100"):
        detail = error(api.get(path, "bank-a/operator"), 403, field="cert_id")
        assert "bank-b" not in detail["message"]
    # signing it is refused without naming the new holder, and changes nothing
    before = api.snapshot("bank-a/operator", ("sme-t1", "bank-a", "bank-b"))
    detail = error(api.post(f"/v1/proposals/{stale}/sign", "bank-a/operator"), 409, field="id",
                   code="conflict")
    assert "stale" in detail["message"] and "bank-b" not in detail["message"]
    error(api.post(f"/v1/proposals/{stale}/reject", "bank-a/operator"), 409, field="id")
    api.assert_unchanged(before, "bank-a/operator", ("sme-t1", "bank-a", "bank-b"))
    listed = api.ok("GET", "/v1/proposals?role=cosigner&status=stale", as_="bank-a/viewer")
    assert [p["id"] for p in listed["items"]] == [stale]
    assert stale not in [p["id"] for p in api.ok("GET", "/v1/proposals?status=open",
                                                  as_="bank-a/viewer")["items"]]
    # the buyer's own offer is done, not stale: its certificate changed by its own sale
    assert api.ok("GET", f"/v1/proposals/{pid}", as_="bank-b/viewer")["status"] == "done"


@covers("POST /v1/proposals", "GET /v1/proposals/{proposal_id}",
        "GET /v1/certificates/{cert_id}/price", "POST /v1/proposals/{proposal_id}/sign")
def test_offers_close_at_their_deadline(api: Api) -> None:
    part, other = split_second(api)
    now = api.demo.platform.now_ms()
    total = api.ok("GET", "/v1/proposals", as_="regulator/viewer")["total"]
    for bad in (now - 1, now, now + 91 * DAY_MS, "tomorrow", 1.5, True, 2**63):
        error(api.post("/v1/proposals", "sme-t1/operator",
                       json={**sale(part), "expires_ms": bad}), 422, field="expires_ms")
    assert api.ok("GET", "/v1/proposals", as_="regulator/viewer")["total"] == total

    short = api.ok("POST", "/v1/proposals", as_="sme-t1/operator", status=201,
                   json={**sale(part), "expires_ms": now + 2 * DAY_MS})
    assert short["expires_ms"] == now + 2 * DAY_MS
    long = api.ok("POST", "/v1/proposals", as_="sme-t1/operator", status=201,
                  json=sale(other, "bank-a"))
    api.ok("GET", f"/v1/certificates/{part}/price?discount_rate_bp=500", as_="bank-b/operator")

    assert api.demo.clock is not None
    api.demo.clock.days_ago(-3)  # the orderer's clock moves three days on
    doc = api.ok("GET", f"/v1/proposals/{short['id']}", as_="bank-b/viewer")
    assert doc["status"] == "expired" and "deadline" in doc["reason"]
    error(api.get(f"/v1/certificates/{part}/price?discount_rate_bp=500", "bank-b/operator"), 403,
          field="cert_id")
    stored = api.stored()
    detail = error(api.post(f"/v1/proposals/{short['id']}/sign", "bank-b/operator"), 409,
                   field="id", code="conflict")
    assert "expired" in detail["message"] and api.stored() == stored
    assert api.ok("GET", f"/v1/proposals/{long['id']}", as_="bank-a/viewer")["status"] == "open"

    api.demo.clock.days_ago(-8)  # past the default seven days
    assert api.ok("GET", f"/v1/proposals/{long['id']}", as_="bank-a/viewer")["status"] == \
        "expired"


def test_the_documented_statuses_are_the_ones_kept(shared: Api) -> None:
    schema = shared.app.openapi()["components"]["schemas"]["Proposal"]
    assert schema["properties"]["status"]["enum"] == list(STATUSES)
