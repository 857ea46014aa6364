"""Refusals a newcomer met probing the API: each names the field at fault and says why.

Each case is fixed where the rule lives (the contract or its declaration), so the
ledger, the API, the CLI and the SDK give the same answer.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from api_support import Api, covers, error, events

from smechain.core.encoding import INT_MAX


def _maturity(days: int = 90) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + days * 86400))


# --- 1. governance goes through proposals ------------------------------------------------


@covers("POST /v1/contracts/membership/suspend_org")
def test_a_direct_governance_action_names_signers_and_points_to_proposals(shared: Api) -> None:
    before = shared.height()
    detail = error(shared.post("/v1/contracts/membership/suspend_org", "bank-a/admin",
                               json={"org": "guar-g"}), 403, field="signers",
                   code="unauthorised")
    assert "needs the admin signatures of 2" in detail["message"]
    assert "POST /v1/proposals" in detail["message"]
    assert "regulator" in detail["message"] and "core-a" in detail["message"]
    assert shared.height() == before


def test_a_governance_proposal_takes_only_governing_admins_as_cosigners(shared: Api) -> None:
    detail = error(shared.post("/v1/proposals", "bank-a/admin", json={
        "contract": "membership", "action": "suspend_org", "args": {"org": "guar-g"},
        "cosigners": ["sme-t3"]}), 422, field="cosigners[0]", code="bad_args")
    assert "'sme-t3' may not co-sign membership.suspend_org" in detail["message"]
    assert "needs the admin signatures of 2 of the governing" in detail["message"]


@covers("POST /v1/contracts/membership/add_org")
def test_add_org_checks_its_arguments_before_the_quorum(shared: Api) -> None:
    args = {"id": "newco", "name": "New Co", "roles": ["wizard"], "admin_key": "ab" * 32}
    detail = error(shared.post("/v1/contracts/membership/add_org", "bank-a/admin", json=args),
                   422, field="roles", code="bad_args")
    assert "wizard" in detail["message"]
    error(shared.post("/v1/contracts/membership/add_org", "bank-a/admin",
                      json={**args, "roles": ["bank"], "id": "Bad Id"}), 422, field="id")


# --- 2. co-signers an action does not take -----------------------------------------------


@pytest.mark.parametrize(("who", "contract", "action", "args", "cosigners", "field"), [
    ("sme-t1/operator", "cash", "transfer", {"currency": "CNY", "to": "sme-t2", "amount": 1},
     ["sme-t2"], "cosigners[0]"),
    ("sme-t1/admin", "membership", "enrol_key", {"public_key": "cd" * 32, "name": "erp"},
     ["bank-a"], "cosigners[0]"),
    # a sale takes the buyer alone: another bank is refused, named by its place
    ("sme-t1/operator", "receivable", "sell",
     {"id": "{second}", "buyer": "bank-b", "discount_rate_bp": 400, "day_count": "ACT/365F",
      "recourse": False}, ["bank-b", "bank-a"], "cosigners[1]"),
])
def test_a_proposal_refuses_cosigners_the_action_does_not_take(
        shared: Api, who: str, contract: str, action: str, args: dict[str, Any],
        cosigners: list[str], field: str) -> None:
    args = {k: v.format(**shared.ids) if isinstance(v, str) else v for k, v in args.items()}
    open_before = len(shared.ok("GET", "/v1/proposals", as_=who)["items"])
    detail = error(shared.post("/v1/proposals", who, json={
        "contract": contract, "action": action, "args": args, "cosigners": cosigners}),
        422, field=field, code="bad_args")
    assert f"may not co-sign {contract}.{action}, which " in detail["message"]
    assert len(shared.ok("GET", "/v1/proposals", as_=who)["items"]) == open_before


# --- 3. a certificate status that does not exist -----------------------------------------


@covers("GET /v1/certificates")
def test_an_unknown_certificate_status_is_refused_with_the_known_ones(shared: Api) -> None:
    detail = error(shared.get("/v1/certificates?status=zzz", "sme-t1/operator"), 422,
                   field="status")
    for status in ("requested", "confirmed", "settled", "overdue"):
        assert status in detail["message"]
    confirmed = shared.ok("GET", "/v1/certificates?status=confirmed", as_="sme-t1/operator")
    assert confirmed["items"] and {c["status"] for c in confirmed["items"]} == {"confirmed"}


# --- 4. pricing dates --------------------------------------------------------------------


@covers("GET /v1/certificates/{cert_id}/price")
@pytest.mark.parametrize("on", ["0001-01-01", "2000-01-01", "2999-01-01"])
def test_a_price_on_a_day_no_sale_can_happen_names_on(shared: Api, on: str) -> None:
    second = shared.ids["second"]
    detail = error(shared.get(f"/v1/certificates/{second}/price?discount_rate_bp=100&on={on}",
                              "sme-t1/operator"), 422, field="on", code="bad_args")
    assert on in detail["message"]
    price = shared.ok("GET", f"/v1/certificates/{second}/price?discount_rate_bp=100"
                      f"&on={_maturity(10)}", as_="sme-t1/operator")
    assert 0 < price["price"] < price["face"]


# --- 5. the debtor the caller chose ------------------------------------------------------


@covers("POST /v1/contracts/receivable/issue")
def test_a_debtor_who_is_not_the_invoices_buyer_is_named(shared: Api) -> None:
    inv = shared.ids["invoices"][3]
    for debtor in ("sme-t1", "bank-a"):
        detail = error(shared.post("/v1/contracts/receivable/issue", "sme-t1/operator", json={
            "invoices": [{"invoice": inv, "amount": 1000}], "debtor": debtor,
            "currency": "CNY", "maturity": _maturity()}), 422, field="debtor", code="bad_args")
        assert "invoices[0]" in detail["message"]
    detail = error(shared.post("/v1/contracts/receivable/issue", "sme-t1/operator", json={
        "invoices": [{"invoice": inv, "amount": 1000}], "debtor": "core-a",
        "currency": "USD", "maturity": _maturity()}), 422, field="currency")


# --- 6. a certificate's invoices in either form ------------------------------------------


def test_invoices_are_taken_as_rows_or_objects(api: Api) -> None:
    inv = api.ids["invoices"][3]
    rows = {"invoices": [[inv, 1000]], "debtor": "core-a", "currency": "CNY",
            "maturity": _maturity()}
    # the row form is read: the refusal is the contract's, about the debtor
    error(api.post("/v1/contracts/receivable/issue", "sme-t1/operator",
                   json={**rows, "debtor": "bank-a"}), 422, field="debtor")
    for bad in ([inv], [inv, 1000, 1], [inv, "1000"], [inv, 0]):
        error(api.post("/v1/contracts/receivable/issue", "sme-t1/operator",
                       json={**rows, "invoices": [bad]}), 422, code="bad_args",
              field="invoices[0]" if len(bad) != 2 else "invoices[0].amount")
    result = api.ok("POST", "/v1/contracts/receivable/issue", as_="sme-t1/operator",
                    json=rows)
    assert result["ok"] and "CertificateRequested" in events(result)
    cert_id = next(e["attrs"]["id"] for e in result["events"]
                   if e["name"] == "CertificateRequested")
    cert = api.ok("GET", f"/v1/certificates/{cert_id}", as_="sme-t1/operator")["certificate"]
    assert cert["invoices"] == [{"invoice": inv, "amount": 1000}]


# --- 7. integer bounds in the OpenAPI document -------------------------------------------


def test_openapi_states_integer_bounds_as_integers(shared: Api) -> None:
    r = shared.client.get("/openapi.json")
    assert "e+18" not in r.text and not re.search(r'"(maximum|minimum)":\s*-?\d+\.\d', r.text)
    schemas = r.json()["components"]["schemas"]
    for name in ("CashTransfer", "CashIssue", "CashRedeem"):
        amount = schemas[name]["properties"]["amount"]
        assert (amount["minimum"], amount["maximum"]) == (1, INT_MAX), name
    backing = schemas["ReceivableIssueBacking"]["properties"]["amount"]
    assert (backing["minimum"], backing["maximum"]) == (1, INT_MAX)
    rate = schemas["ReceivableSell"]["properties"]["discount_rate_bp"]
    assert (rate["minimum"], rate["maximum"]) == (0, 10_000)
    # the same bound at the door: 0 and 2^63 - 1 + 1 are refused naming the amount
    for amount in (0, INT_MAX + 1):
        error(shared.post("/v1/contracts/cash/transfer", "sme-t1/operator", json={
            "currency": "CNY", "to": "sme-t2", "amount": amount}), 422, field="amount")


def test_openapi_states_the_bounds_the_contracts_enforce(shared: Api) -> None:
    schemas = shared.client.get("/openapi.json").json()["components"]["schemas"]

    def bounds(prop: dict[str, Any]) -> tuple[int, int]:
        return prop["minimum"], prop["maximum"]

    publish = schemas["ProductPublish"]["properties"]
    terms = schemas[publish["terms"]["$ref"].rsplit("/", 1)[1]]["properties"]
    rules = schemas[terms["eligibility"]["$ref"].rsplit("/", 1)[1]]["properties"]
    assert bounds(terms["min_amount"]) == bounds(terms["max_amount"]) == (1, INT_MAX)
    assert bounds(terms["min_term_months"]) == bounds(terms["max_term_months"]) == (1, 360)
    assert bounds(terms["min_rate_bp"]) == bounds(terms["max_rate_bp"]) == (0, 10_000)
    assert bounds(rules["min_years"]) == (0, 200)
    assert bounds(rules["min_headcount"]) == bounds(rules["max_headcount"]) == (0, 10_000_000)
    dates = schemas["CashSetSettlementDates"]["properties"]
    assert bounds(dates["day"]) == (1, 28)
    assert bounds(dates["months"]["items"]) == (1, 12)
    assert (dates["months"]["minItems"], dates["months"]["maxItems"]) == (1, 12)
    assert bounds(schemas["CashSetRate"]["properties"]["rate_bp"]) == (0, 10_000)
    # the same bounds at the door, each refusal naming the field where the body has it
    product = shared.ok("GET", "/v1/products", as_="bank-a/viewer",
                        params={"bank": "bank-a", "limit": 1})["items"][0]
    for change, field in ((("max_rate_bp", 10_001), "terms.max_rate_bp"),
                          (("max_term_months", 361), "terms.max_term_months"),
                          (("min_amount", 0), "terms.min_amount")):
        body = {"id": "bank-a.bounds-1", "terms": {**product["terms"], change[0]: change[1]}}
        error(shared.post("/v1/contracts/product/publish", "bank-a/operator", json=body),
              422, field=field)
    for change, field in ((("day", 31), "day"), (("months", [13]), "months[0]")):
        error(shared.post("/v1/contracts/cash/set_settlement_dates", "pboc/operator", json={
            "currency": "CNY", "months": [3], "day": 20, "effective": "2099-01-01",
            change[0]: change[1]}), 422, field=field)


# --- 8. messages: dates, and no echo of a long value -------------------------------------


@covers("POST /v1/contracts/receivable/mark_overdue")
def test_not_yet_overdue_says_the_date(shared: Api) -> None:
    detail = error(shared.post("/v1/contracts/receivable/mark_overdue", "sme-t1/operator",
                               json={"id": shared.ids["second"]}), 409, field="id")
    assert re.search(r"not overdue until \d{4}-\d{2}-\d{2}", detail["message"]), detail
    assert "day 2" not in detail["message"]


@covers("POST /v1/contracts/cash/transfer")
def test_a_long_value_is_not_echoed_in_full(shared: Api) -> None:
    detail = error(shared.post("/v1/contracts/cash/transfer", "sme-t1/operator", json={
        "currency": "A" * 5000, "to": "sme-t2", "amount": 1}), 422, field="currency")
    assert len(detail["message"]) < 200 and "5000 characters" in detail["message"]
    detail = error(shared.post("/v1/contracts/receivable/confirm", "core-a/operator",
                               json={"id": "x" * 5000}), 404, field="id")
    assert len(detail["message"]) < 200
