"""Custodial contract calls: ``POST /v1/contracts/{contract}/{action}``.

A call the contract would refuse is refused at the door with the contract's reason, the
right status and the field at fault, and nothing is stored: the height, the caller's and
its organisation's nonces and the balances stay as they were, and nothing is on its way
to the ledger either (see ``Api.assert_unchanged``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_support import Api, covers, error, events, seeded_api

from demo_template import DemoTemplate
from smechain.api.demo import TAX_IDS
from smechain.core.encoding import plain
from smechain.modules.product.catalogue import product_terms
from smechain.node.keys import generate_key

MATURITY = time.strftime("%Y-06-01", time.gmtime(time.time() + 3 * 365 * 86400))
"""A maturity a few years ahead, within the ten years a receivable may run."""
IN_A_MONTH = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))
"""A rate's or a schedule's effective day ahead."""
UNTIL_MS = int(time.time() * 1000) + 100 * 86_400_000
"""A consent's end a hundred days ahead."""
ENROLLED_KEY = generate_key("ed25519").public.hex()
NEW_KEY = generate_key("ed25519").public.hex()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    """A demo of this module's own: each case below touches different objects."""
    api = seeded_api(tmp_path_factory.mktemp("contracts-demo") / "demo", demo_template)
    yield api
    api.close()


def _cases() -> list[Any]:
    """(caller, contract, action, body, expected): expected is the list of event names of
    a success, or (status, code, field) of a refusal. ``{cert}`` etc. are demo ids."""
    ok = list
    return [
        ("pboc/operator", "cash", "issue", {"currency": "CNY", "to": "sme-t4", "amount": 1000},
         ok(["Issued"])),
        ("sme-t1/operator", "cash", "transfer",
         {"currency": "CNY", "to": "sme-t2", "amount": 100, "memo": "gears"}, ok(["Transferred"])),
        ("pboc/operator", "cash", "redeem", {"currency": "CNY", "amount": 10},
         (409, "insufficient_funds", "amount")),
        ("bank-a/operator", "cash", "redeem", {"currency": "CNY", "amount": 10},
         (403, "forbidden", "org")),
        ("pboc/operator", "cash", "set_rate",
         {"currency": "CNY", "rate_bp": 10, "effective": IN_A_MONTH}, ok(["RateSet"])),
        ("pboc/operator", "cash", "set_settlement_dates",
         {"currency": "CNY", "months": [6, 12], "day": 21, "effective": IN_A_MONTH},
         ok(["SettlementDatesSet"])),
        ("pboc/operator", "cash", "appoint_operator", {"currency": "CNY", "org": "bank-a"},
         (422, "bad_args", "org")),
        ("pboc/operator", "cash", "revoke_operator", {"currency": "CNY", "org": "bank-a"},
         (409, "conflict", "org")),
        ("pboc/operator", "cash", "revoke_operator", {"currency": "CNY", "org": "nobody"},
         (404, "not_found", "org")),
        ("pboc/operator", "cash", "set_wallet_class",
         {"currency": "CNY", "org": "sme-t4", "wallet_class": "anonymous"}, ok(["WalletClassSet"])),
        ("sme-t1/operator", "cash", "settle_interest",
         {"currency": "CNY", "date": "{settled}", "wallets": ["sme-t1"]},
         (409, "conflict", "wallets[0]")),
        ("tax-sh/operator", "invoice", "anchor",
         {"code": "031002600111", "number": "20269999", "seller": TAX_IDS["sme-t2"],
          "buyer": TAX_IDS["core-a"], "currency": "CNY", "net_amount": 1000,
          "tax_amount": 130, "total_amount": 1130, "issue_date": "2026-01-05",
          "digest": "ab" * 32}, ok(["InvoiceAnchored"])),
        ("tax-sh/operator", "invoice", "anchor",
         {"code": "031002600111", "number": "20269998", "seller": TAX_IDS["sme-t2"],
          "buyer": TAX_IDS["core-a"], "currency": "CNY", "net_amount": 1000,
          "tax_amount": 130, "total_amount": 1000, "issue_date": "2026-01-05",
          "digest": "ac" * 32}, (422, "bad_args", "total_amount")),
        ("tax-sh/operator", "invoice", "void", {"invoice": "{inv4}", "reason": "returned"},
         ok(["InvoiceVoided"])),
        ("tax-sh/operator", "invoice", "void", {"invoice": "{inv5}"},
         (409, "conflict", "invoice")),
        ("tax-sh/operator", "invoice", "register_party",
         {"identifier": "USCC:91310000MA1K00050B", "org": "bank-b"}, ok(["PartyRegistered"])),
        ("tax-sh/operator", "invoice", "register_party",
         {"identifier": TAX_IDS["sme-t1"], "org": "sme-t2"},
         (409, "conflict", "identifier")),
        ("sme-t1/operator", "receivable", "issue",
         {"invoices": [{"invoice": "{inv3}", "amount": 64_000_000}], "debtor": "core-a",
          "currency": "CNY", "maturity": MATURITY},
         ok(["InvoiceFinanced", "CertificateRequested"])),
        ("sme-t1/operator", "receivable", "issue",
         {"invoices": [{"invoice": "{inv0}", "amount": 1}], "debtor": "core-a",
          "currency": "CNY", "maturity": MATURITY}, (409, "conflict", "invoices[0]")),
        ("core-a/operator", "receivable", "confirm", {"id": "{requested}"},
         ok(["CertificateConfirmed"])),
        ("core-a/operator", "receivable", "confirm", {"id": "{second}"},
         (409, "conflict", "id")),
        ("core-a/operator", "receivable", "dispute", {"id": "{second}", "reason": "short"},
         (409, "conflict", "id")),
        ("sme-t2/operator", "receivable", "split", {"id": "{cert}.1.2",
                                                    "amounts": [20_000_000, 30_000_000]},
         ok(["CertificateSplit"])),
        # sme-t2 neither holds nor owes this part: refused as if it did not exist, so a
        # refusal never tells a stranger who holds what
        ("sme-t2/operator", "receivable", "split", {"id": "{cert}.1.1.2",
                                                    "amounts": [1, 2]},
         (404, "not_found", "id")),
        ("sme-t4/operator", "receivable", "transfer", {"id": "{cert}.1.1.1", "to": "sme-t1"},
         ok(["CertificateTransferred"])),
        ("sme-t1/operator", "receivable", "transfer", {"id": "no-such-cert", "to": "sme-t3"},
         (404, "not_found", "id")),
        ("sme-t1/operator", "receivable", "sell",
         {"id": "{second}", "buyer": "bank-b", "discount_rate_bp": 400, "day_count": "ACT/365F",
          "recourse": True},
         (403, "unauthorised", "buyer")),
        ("sme-t1/operator", "receivable", "guarantee",
         {"id": "{second}", "guarantor": "guar-g", "fee": 1}, (403, "unauthorised", "guarantor")),
        ("core-a/operator", "receivable", "settle", {"id": "{cert}.2"}, (409, "conflict", "id")),
        ("bank-a/operator", "receivable", "mark_overdue", {"id": "{cert}.2"},
         (409, "conflict", "id")),
        ("bank-a/operator", "receivable", "claim", {"id": "{cert}.2", "source": "recourse"},
         (409, "conflict", "id")),
        ("regulator/admin", "membership", "add_org",
         {"id": "factor-z", "name": "Factor Z", "roles": ["factor"], "admin_key": NEW_KEY},
         (403, "unauthorised", "signers")),
        ("regulator/admin", "membership", "suspend_org", {"org": "sme-t4"},
         (403, "unauthorised", "signers")),
        ("bank-a/admin", "membership", "readmit_org", {"org": "sme-t4"},
         (403, "unauthorised", "signers")),
        ("core-a/admin", "membership", "rekey_org", {"org": "sme-t4", "admin_key": NEW_KEY},
         (403, "unauthorised", "signers")),
        ("sme-t3/admin", "membership", "enrol_key", {"public_key": ENROLLED_KEY, "name": "erp"},
         ok(["KeyEnrolled"])),
        ("sme-t3/operator", "membership", "enrol_key", {"public_key": NEW_KEY, "name": "erp"},
         (403, "forbidden", "role")),
        ("sme-t3/admin", "membership", "revoke_key", {"public_key": NEW_KEY},
         (404, "not_found", "public_key")),
        ("sme-t4/operator", "consent", "grant",
         {"bank": "bank-a", "categories": ["tax"], "purpose": "credit_assessment",
          "until_ms": UNTIL_MS}, ok(["ConsentGranted"])),
        ("sme-t4/operator", "consent", "grant",
         {"bank": "bank-a", "categories": ["tax", "tax"], "purpose": "credit_assessment",
          "until_ms": UNTIL_MS}, (422, "bad_args", "categories[1]")),
        # sme-t2 neither granted nor received tier 1's consent: refused as if unknown
        ("sme-t2/operator", "consent", "revoke", {"id": "{consent}"}, (404, "not_found", "id")),
        ("sme-t2/operator", "consent", "revoke", {"id": "{revoked}"}, (409, "conflict", "id")),
        ("bank-a/operator", "credit", "register_model",
         {"model_version": "sba-2027.01-1", "kind": "scorecard", "artefact_digest": "ef" * 32,
          "categories": [{"category": "tax", "features": ["vat_paid_12m"]}],
          "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
          "band_cutoffs": [550, 650]}, ok(["ModelRegistered"])),
        ("bank-a/operator", "credit", "register_model",
         {"model_version": "{model}", "kind": "scorecard", "artefact_digest": "ef" * 32,
          "categories": [{"category": "tax", "features": ["vat_paid_12m"]}],
          "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
          "band_cutoffs": [550, 650]}, (409, "conflict", "model_version")),
        ("bank-b/operator", "credit", "retire_model", {"model_version": "{model}"},
         (403, "unauthorised", "")),
        ("bank-a/operator", "credit", "report_psi",
         {"model_version": "{model}", "period": "2030Q1", "psi_bp": 500, "population": 100},
         ok(["PsiReported"])),
        ("tax-sh/operator", "credit", "attest",
         {"consent_id": "{consent}", "model_version": "{model}", "category": "tax",
          "input_digests": ["ab" * 32], "result_digest": "cd" * 32, "kind": "partial_score"},
         ok(["ComputationAttested"])),
        ("amr-sh/operator", "credit", "attest",
         {"consent_id": "{consent}", "model_version": "{model}", "category": "tax",
          "input_digests": ["ab" * 32], "result_digest": "cd" * 32, "kind": "partial_score"},
         (403, "unauthorised", "category")),
        ("bank-a/operator", "product", "publish", {"id": "bank-a.new-1", "terms": TERMS},
         ok(["ProductPublished"])),
        # rules left out take their defaults (open to every SME), lists included
        ("bank-a/operator", "product", "publish",
         {"id": "bank-a.open-1", "terms": {**TERMS, "eligibility": {}}},
         ok(["ProductPublished"])),
        # the product the loan applications below cite
        ("bank-a/operator", "product", "publish",
         {"id": "bank-a.loan-1", "terms": {**TERMS, "kind": "working_capital",
                                           "currency": "CNY", "min_amount": 1_000_000,
                                           "max_amount": 100_000_000, "min_term_months": 3,
                                           "max_term_months": 36}},
         ok(["ProductPublished"])),
        ("bank-a/operator", "product", "publish",
         {"id": "bank-a.new-2", "terms": {**TERMS, "min_amount": TERMS["max_amount"] + 1}},
         (422, "bad_args", "terms.min_amount")),
        ("bank-b/operator", "product", "revise", {"id": "{product}", "terms": TERMS},
         (403, "unauthorised", "")),
        ("bank-a/operator", "product", "revise", {"id": "{product}", "terms": REVISED},
         ok(["ProductRevised"])),
        ("bank-a/operator", "product", "withdraw", {"id": "{product}"},
         ok(["ProductWithdrawn"])),
        ("bank-a/operator", "product", "withdraw", {"id": "{product}"},
         (409, "conflict", "id")),
        ("sme-t1/operator", "loan", "apply",
         {"bank": "bank-a", "consent_id": "{consent}", "currency": "CNY", "amount": 10_000_000,
          "term_months": 6, "product_id": "bank-a.loan-1", "product_version": 1},
         ok(["LoanApplied"])),
        # sme-t1 granted no consent for sme-t2's data
        ("sme-t2/operator", "loan", "apply",
         {"bank": "bank-a", "consent_id": "{consent}", "currency": "CNY", "amount": 10_000_000,
          "term_months": 6, "product_id": "bank-a.loan-1", "product_version": 1},
         (422, "consent_other_sme", "consent_id")),
        ("bank-a/operator", "loan", "decide",
         {"id": "{queued}", "approve": False, "band": "C", "reason_codes": ["TAX_ARREARS"],
          "attestation_id": "no-such-score"}, (404, "not_found", "attestation_id")),
        ("bank-b/operator", "loan", "decide",
         {"id": "{queued}", "approve": False, "band": "C", "reason_codes": ["TAX_ARREARS"],
          "attestation_id": "no-such-score"}, (404, "not_found", "id")),
        ("cnipa/operator", "loan", "pledge_ip",
         {"id": "{ip_loan}", "right_kind": "patent", "registration_number": "ZL202310567890.1",
          "value": 1}, (409, "conflict", "id")),
        ("bank-a/operator", "loan", "disburse", {"id": "{ip_loan}"}, (409, "conflict", "id")),
        ("sme-t2/operator", "loan", "repay", {"id": "{ip_loan}", "amount": 10**15},
         (409, "conflict", "amount")),
        ("sme-t2/operator", "loan", "repay_early", {"id": "{ip_loan}", "principal": 10**15},
         (409, "conflict", "principal")),
        ("bank-a/operator", "loan", "mark_overdue", {"id": "{ip_loan}"},
         (409, "conflict", "id")),
        ("bank-a/operator", "loan", "default", {"id": "{export_loan}"}, (409, "conflict", "id")),
        ("bank-a/operator", "loan", "write_off", {"id": "{export_loan}"},
         (409, "conflict", "id")),
        ("bank-a/operator", "loan", "withdraw", {"id": "{queued}"},
         (403, "unauthorised", "")),
        ("bank-a/operator", "loan", "recover",
         {"id": "{export_loan}", "amount": 1, "source": "collection"},
         (409, "conflict", "id")),
        ("bank-a/operator", "loan", "recover",
         {"id": "{export_loan}", "amount": 1, "source": "auction"},
         (422, "bad_args", "source")),
        ("bank-b/operator", "loan", "release_pledge", {"id": "{pledge}"},
         (404, "not_found", "id")),
        ("customs-sh/operator", "loan", "attest_export",
         {"sme": "sme-t1", "consent_id": "{consent}", "currency": "CNY", "value": 1,
          "period_end": "2026-01-01", "digest": "ab" * 32},
         (422, "consent_category", "consent_id")),
        ("customs-sh/operator", "customs", "register",
         {"id": "24GB0YVJ3EXXES8AA0", "lrn": "API-1", "type_code": "EXD",
          "declarant": "EORI:GB150454489082", "exporter": "EORI:GB417869120000",
          "exporter_org": "sme-t4", "goods_items": [{"sequence": 1, "statistical_value": 500,
                                                     "statistical_currency": "GBP"}],
          "digest": "cb" * 32}, ok(["DeclarationRegistered"])),
        ("customs-sh/operator", "customs", "register",
         {"id": "23GB6W3GLSX9Z5JAR4", "lrn": "API-2", "type_code": "EXD",
          "declarant": "EORI:GB150454489082", "exporter_org": "bank-a",
          "goods_items": [{"sequence": 1}], "digest": "cc" * 32},
         (422, "bad_args", "exporter_org")),
        ("customs-sh/operator", "customs", "amend",
         {"id": "{declaration}", "digest": "cd" * 32, "invoice_amount": 900_000,
          "invoice_currency": "GBP", "change_reasons": ["25"]}, ok(["DeclarationAmended"])),
        ("customs-sh/operator", "customs", "amend", {"id": "NOSUCHMRN", "digest": "ce" * 32},
         (404, "not_found", "id")),
        ("sme-t4/operator", "customs", "cancel", {"id": "{declaration}", "digest": "cf" * 32},
         (403, "forbidden", "org")),
        ("customs-sh/operator", "customs", "cancel",
         {"id": "{declaration}", "digest": "cf" * 32, "reason": "duplicate"},
         ok(["DeclarationCancelled"])),
        ("customs-sh/operator", "customs", "cancel", {"id": "{declaration}", "digest": "d0" * 32},
         (409, "conflict", "id")),
        ("carrier-cosco/operator", "bill_of_lading", "issue",
         {"document": {"reference": "COSU6119990001", "to_order": False, "digest": "cd" * 32,
                       "carrier_code": "COSU", "shipped_on_board_date": "2026-03-02",
                       "port_of_loading": "CNSHA", "port_of_discharge": "NLRTM"},
          "shipper": "sme-t1", "consignee": "sme-t2"}, ok(["BillOfLadingIssued"])),
        ("carrier-cosco/operator", "bill_of_lading", "issue",
         {"document": {"reference": "COSU6119990002", "to_order": False, "digest": "ce" * 32,
                       "carrier_code": "COSU", "shipped_on_board_date": "2026-03-02"},
          "shipper": "sme-t1"}, (422, "bad_args", "consignee")),
        ("sme-t1/operator", "bill_of_lading", "issue",
         {"document": {"reference": "COSU6119990003", "to_order": True, "digest": "cf" * 32,
                       "carrier_code": "COSU", "shipped_on_board_date": "2026-03-02"},
          "shipper": "sme-t1"}, (403, "forbidden", "org")),
        ("bank-a/operator", "bill_of_lading", "transfer",
         {"id": "{bill}", "to": "sme-t3", "endorsement": "blank"}, ok(["BillOfLadingTransferred"])),
        # a bill one has held is no stranger's: refused for who signed, not hidden
        ("sme-t4/operator", "bill_of_lading", "transfer",
         {"id": "{bill}", "to": "sme-t2", "endorsement": ""}, (403, "unauthorised", "")),
        ("sme-t2/operator", "bill_of_lading", "transfer",
         {"id": "{bill}", "to": "sme-t1"}, (404, "not_found", "id")),
        ("sme-t3/operator", "bill_of_lading", "surrender",
         {"id": "{bill}", "kind": "delivery", "comments": "release the cargo"},
         ok(["BillOfLadingSurrenderRequested"])),
        ("sme-t3/operator", "bill_of_lading", "surrender",
         {"id": "{bill}", "kind": "delivery"}, (403, "unauthorised", "")),
        ("carrier-cosco/operator", "bill_of_lading", "answer_surrender",
         {"request": "{surrender}", "accept": False, "comments": "freight unpaid"},
         ok(["BillOfLadingSurrenderRejected"])),
        ("carrier-cosco/operator", "bill_of_lading", "answer_surrender",
         {"request": "{surrender}", "accept": True}, (409, "conflict", "request")),
        ("pboc/operator", "calendar", "set_year", CALENDAR_2030, ok(["CalendarYearSet"])),
        ("pboc/operator", "calendar", "set_year",
         {**CALENDAR_2030, "working_days": [{"date": "2030-10-05", "name": "national_day"}]},
         (422, "bad_args", "working_days[0].date")),
        ("bank-a/operator", "calendar", "set_year", CALENDAR_2030, (403, "forbidden", "org")),
        ("warehouse-sh/operator", "warehouse_receipt", "issue",
         {"depositor": "sme-t2", "goods": "Soybeans, yellow, non-GMO", "commodity_code": "120190",
          "quantity": 500, "unit": "TNE", "value": 230_000_000, "currency": "CNY",
          "location": "warehouse 1, silo 2"}, ok(["ReceiptIssued"])),
        ("sme-t4/operator", "warehouse_receipt", "issue",
         {"depositor": "sme-t2", "goods": "Soybeans", "commodity_code": "120190",
          "quantity": 500, "unit": "TNE", "value": 230_000_000, "currency": "CNY",
          "location": "silo 2"}, (403, "forbidden", "org")),
        ("sme-t4/operator", "warehouse_receipt", "transfer", {"id": "{free_receipt}",
                                                              "to": "sme-t3"},
         ok(["ReceiptTransferred"])),
        # pledged to bank-b: it moves only with bank-b co-signing (a proposal)
        ("sme-t4/operator", "warehouse_receipt", "transfer", {"id": "{pledged_receipt}",
                                                              "to": "sme-t3"},
         (403, "unauthorised", "pledgee")),
        ("sme-t4/operator", "warehouse_receipt", "pledge", {"id": "{pledged_receipt}",
                                                            "bank": "bank-a"},
         (409, "conflict", "id")),
        ("warehouse-sh/operator", "warehouse_receipt", "deliver",
         {"id": "{pledged_receipt}", "holder": "sme-t4"}, (409, "conflict", "id")),
        ("bank-a/operator", "warehouse_receipt", "release", {"id": "{pledged_receipt}"},
         (404, "not_found", "id")),
        ("sme-t4/operator", "warehouse_receipt", "enforce", {"id": "{pledged_receipt}"},
         (403, "unauthorised", "")),
        ("bank-b/operator", "warehouse_receipt", "release", {"id": "{pledged_receipt}"},
         ok(["ReceiptReleased"])),
    ]


CALENDAR_2030: dict[str, Any] = {
    "year": 2030, "source": "a test year",
    "holidays": [{"date": "2030-10-0" + str(n), "name": "national_day"} for n in range(1, 8)],
    "working_days": [{"date": "2030-09-29", "name": "national_day"}]}
"""A year the demo does not hold (2030-09-29 is a Sunday; 2030-10-05 is in the holidays)."""


TERMS: dict[str, Any] = plain(product_terms(1, seed=9)[0])
REVISED = {**TERMS, "kind": "export_record"}
"""New terms of the demo's ``{product}`` (bank-a.p003, an export record loan): a revision
keeps the product's kind and currency."""


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        names = {"cert": ids["certificate"], "second": ids["second"],
                 "requested": ids["requested"], "consent": ids["consent"],
                 "revoked": ids["revoked_consent"], "model": ids["model"],
                 "product": ids["products"][2],
                 "settled": ids["interest_settled"],
                 "queued": ids["queued_loan"], "ip_loan": ids["ip_loan"],
                 "export_loan": ids["export_loan"], "pledge": ids["pledge"],
                 "bill": ids["bill_of_lading"], "surrender": ids.get("bill_surrender", ""),
                 "declaration": ids["declarations"][0],
                 "pledged_receipt": ids["pledged_receipt"], "free_receipt": ids["free_receipt"],
                 **{f"inv{i}": inv for i, inv in enumerate(ids["invoices"])}}
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


CASES = _cases()


@pytest.mark.parametrize(("who", "contract", "action", "body", "expected"), [
    pytest.param(*case, marks=covers(f"POST /v1/contracts/{case[1]}/{case[2]}"),
                 id=f"{case[1]}.{case[2]}-{'ok' if isinstance(case[4], list) else case[4][0]}")
    for case in CASES])
def test_every_action(ledger: Api, who: str, contract: str, action: str,
                      body: dict[str, Any], expected: Any) -> None:
    if "{surrender}" in json.dumps(body) and not ledger.ids.get("bill_surrender"):
        # the request the surrender case above opened (answered by the first case after it)
        bill = ledger.ok("GET", f"/v1/bills-of-lading/{ledger.ids['bill_of_lading']}",
                         as_="carrier-cosco/viewer")
        ledger.ids["bill_surrender"] = bill["surrender"]
    body = _fill(body, ledger.ids)
    path = f"/v1/contracts/{contract}/{action}"
    if isinstance(expected, list):
        height = ledger.height()
        result = ledger.ok("POST", path, as_=who, json=body)
        assert result["status"] == "committed" and result["ok"] is True
        assert result["code"] == "ok" and result["message"] == ""
        assert result["height"] == height + 1 and result["index"] == 0
        assert len(bytes.fromhex(result["tx_hash"])) == 32
        assert events(result) == expected
        assert {e["contract"] for e in result["events"]} <= {contract, "cash", "invoice"}
        detail = ledger.ok("GET", f"/v1/transactions/{result['tx_hash']}", as_="regulator/viewer")
        assert (detail["contract"], detail["action"]) == (contract, action)
        assert detail["receipt"] == result
    else:
        status, code, field = expected
        before = ledger.snapshot(who, ("sme-t1", "sme-t2", "bank-a", "core-a"))
        detail = error(ledger.post(path, who, json=body), status, field=field, code=code)
        assert "tx_hash" not in detail  # refused at the door: nothing reached the ledger
        ledger.assert_unchanged(before, who, ("sme-t1", "sme-t2", "bank-a", "core-a"))


def test_the_table_has_every_action(ledger: Api) -> None:
    actions = {(c, a) for c, contract in ledger.demo.node.runtime.contracts.items()
               for a in contract.actions}
    assert {(c[1], c[2]) for c in CASES} == actions


# --- the refusals a user meets, one by one -----------------------------------------------


@covers("POST /v1/contracts/cash/transfer")
def test_transfer_moves_cash_and_answers_a_txresult(ledger: Api) -> None:
    a, b = ledger.balance("core-a"), ledger.balance("sme-t3")
    result = ledger.ok("POST", "/v1/contracts/cash/transfer", as_="core-a/operator",
                       json={"currency": "CNY", "to": "sme-t3", "amount": 777})
    assert result["status"] == "committed" and result["ok"] is True
    assert result["events"] == [{"contract": "cash", "name": "Transferred", "attrs": {
        "currency": "CNY", "sender": "core-a", "to": "sme-t3", "amount": 777}}]
    assert (ledger.balance("core-a"), ledger.balance("sme-t3")) == (a - 777, b + 777)


BAD_TRANSFERS = [
    ({"currency": "CNY", "to": "sme-t2", "amount": 0}, "amount"),
    ({"currency": "CNY", "to": "sme-t2", "amount": -5}, "amount"),
    ({"currency": "CNY", "to": "sme-t2", "amount": 1.5}, "amount"),
    ({"currency": "CNY", "to": "sme-t2", "amount": 5.0}, "amount"),
    ({"currency": "CNY", "to": "sme-t2", "amount": "5"}, "amount"),
    ({"currency": "CNY", "to": "sme-t2", "amount": True}, "amount"),
    ({"currency": "CNY", "to": "sme-t2", "amount": 5, "fee": 1}, "fee"),
    ({"currency": "CNY", "amount": 5}, "to"),
    ({"currency": "yuan", "to": "sme-t2", "amount": 5}, "currency"),
    ({"currency": "CNY", "to": "sme-t1", "amount": 5}, "to"),
    ({"currency": "CNY", "to": "sme-t2", "amount": 5, "memo": "m" * 141}, "memo"),
]


@covers("POST /v1/contracts/cash/transfer")
@pytest.mark.parametrize(("body", "field"), BAD_TRANSFERS,
                         ids=[f"{f}-{b.get(f, 'missing')!r}"[:40] for b, f in BAD_TRANSFERS])
def test_bad_arguments_are_422_naming_the_field_and_store_nothing(
        ledger: Api, body: dict[str, Any], field: str) -> None:
    before = ledger.snapshot("sme-t1/operator", ("sme-t1", "sme-t2"))
    error(ledger.post("/v1/contracts/cash/transfer", "sme-t1/operator", json=body), 422,
          field=field, code="bad_args")
    ledger.assert_unchanged(before, "sme-t1/operator", ("sme-t1", "sme-t2"))


@covers("POST /v1/contracts/cash/transfer")
def test_body_that_is_not_an_object_is_422(ledger: Api) -> None:
    for raw in (b"[1, 2]", b"not json", b""):
        r = ledger.post("/v1/contracts/cash/transfer", "sme-t1/operator", content=raw,
                        headers={"Content-Type": "application/json"})
        error(r, 422, code="bad_args")


@covers("POST /v1/contracts/cash/transfer", "POST /v1/contracts/cash/issue",
        "POST /v1/contracts/invoice/anchor")
def test_who_may_submit(ledger: Api) -> None:
    transfer = {"currency": "CNY", "to": "sme-t2", "amount": 5}
    for who, path, body, field in [
        ("sme-t1/viewer", "/v1/contracts/cash/transfer", transfer, "role"),
        ("sme-t1/operator", "/v1/contracts/invoice/anchor", {
            "code": "1", "number": "2", "seller": "3", "buyer": "4", "currency": "CNY",
            "net_amount": 1, "tax_amount": 0, "total_amount": 1, "issue_date": "2026-01-01",
            "digest": "00" * 32}, "org"),
        ("regulator/operator", "/v1/contracts/cash/transfer", transfer, "org"),
        ("regulator/admin", "/v1/contracts/cash/transfer", transfer, "org"),
        ("bank-a/operator", "/v1/contracts/cash/issue",
         {"currency": "CNY", "to": "bank-a", "amount": 10 ** 9}, "org"),
    ]:
        before = ledger.snapshot(who, ("sme-t2", "bank-a"))
        detail = error(ledger.post(path, who, json=body), 403, field=field, code="forbidden")
        if field == "org" and who.startswith("sme-t1"):
            assert "tax_authority" in detail["message"]
        ledger.assert_unchanged(before, who, ("sme-t2", "bank-a"))


@covers("POST /v1/contracts/receivable/confirm")
def test_unknown_certificate_is_404_naming_id(ledger: Api) -> None:
    before = ledger.snapshot("core-a/operator")
    detail = error(ledger.post("/v1/contracts/receivable/confirm", "core-a/operator",
                               json={"id": "feedfacefeedfacefeedfacefeedface"}), 404,
                   field="id", code="not_found")
    assert "feedface" in detail["message"]
    ledger.assert_unchanged(before, "core-a/operator")


@covers("POST /v1/contracts/receivable/confirm")
def test_confirming_a_confirmed_certificate_is_409(ledger: Api) -> None:
    second = ledger.ids["second"]
    before = ledger.snapshot("core-a/operator")
    detail = error(ledger.post("/v1/contracts/receivable/confirm", "core-a/operator",
                               json={"id": second}), 409, field="id", code="conflict")
    assert "confirmed" in detail["message"]
    ledger.assert_unchanged(before, "core-a/operator")
    cert = ledger.ok("GET", f"/v1/certificates/{second}", as_="core-a/viewer")["certificate"]
    assert cert["status"] == "confirmed"


@covers("POST /v1/contracts/cash/transfer")
def test_transferring_more_than_the_balance_is_409_insufficient_funds(ledger: Api) -> None:
    held = ledger.balance("sme-t1")
    before = ledger.snapshot("sme-t1/operator", ("sme-t1", "sme-t2"))
    detail = error(ledger.post("/v1/contracts/cash/transfer", "sme-t1/operator",
                               json={"currency": "CNY", "to": "sme-t2", "amount": held + 1}),
                   409, field="amount", code="insufficient_funds")
    assert str(held) in detail["message"]
    ledger.assert_unchanged(before, "sme-t1/operator", ("sme-t1", "sme-t2"))


@covers("POST /v1/contracts/cash/transfer", "GET /v1/transactions/{tx_hash}")
def test_wait_false_answers_queued_and_the_transaction_commits(ledger: Api) -> None:
    before = ledger.balance("sme-t4")
    queued = ledger.ok("POST", "/v1/contracts/cash/transfer?wait=false", as_="core-a/operator",
                       json={"currency": "CNY", "to": "sme-t4", "amount": 3})
    assert queued["status"] == "queued" and queued["events"] == []
    assert queued["height"] is None and queued["ok"] is None
    deadline = time.monotonic() + 10
    while True:
        r = ledger.get(f"/v1/transactions/{queued['tx_hash']}", "core-a/viewer")
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        assert r.status_code == 404, r.text
        time.sleep(0.02)
    assert r.status_code == 200, "the queued transaction did not commit within 10 s"
    assert r.json()["receipt"]["ok"] is True
    assert ledger.balance("sme-t4") == before + 3


@covers("POST /v1/contracts/cash/transfer")
def test_wait_false_still_refuses_at_the_door(ledger: Api) -> None:
    before = ledger.snapshot("sme-t1/operator", ("sme-t1",))
    error(ledger.post("/v1/contracts/cash/transfer?wait=false", "sme-t1/operator",
                      json={"currency": "CNY", "to": "sme-t2", "amount": 0}), 422, field="amount")
    ledger.assert_unchanged(before, "sme-t1/operator", ("sme-t1",))


@covers("POST /v1/contracts/cash/transfer")
def test_consecutive_custodial_calls_get_consecutive_nonces(ledger: Api) -> None:
    key = ledger.public_key("bank-b/operator")
    start = ledger.nonce(key)
    queued = [ledger.ok("POST", "/v1/contracts/cash/transfer?wait=false", as_="bank-b/operator",
                        json={"currency": "CNY", "to": "bank-a", "amount": 1})
              for _ in range(5)]
    last = ledger.demo.node.wait(bytes.fromhex(queued[-1]["tx_hash"]), 10)
    assert last.ok
    for q in queued:
        detail = ledger.ok("GET", f"/v1/transactions/{q['tx_hash']}", as_="bank-b/viewer")
        assert detail["receipt"]["ok"] is True
    assert ledger.nonce(key) == start + 5


@covers("POST /v1/contracts/membership/enrol_key", "POST /v1/contracts/membership/revoke_key",
        "GET /v1/orgs/{org_id}")
def test_admin_enrols_and_revokes_a_key_with_the_organisation_key(ledger: Api) -> None:
    key = generate_key("ed25519").public.hex()
    enrolled = ledger.ok("POST", "/v1/contracts/membership/enrol_key", as_="guar-g/admin",
                         json={"public_key": key, "name": "hsm-1"})
    assert enrolled["events"][0]["attrs"] == {"org": "guar-g", "name": "hsm-1", "key": key}
    detail = ledger.ok("GET", f"/v1/transactions/{enrolled['tx_hash']}", as_="guar-g/viewer")
    admin_key = ledger.ok("GET", "/v1/orgs/guar-g", as_="guar-g/viewer")["admin_key"]
    assert detail["signers"] == [{"public_key": admin_key, "org": "guar-g"}]
    revoked = ledger.ok("POST", "/v1/contracts/membership/revoke_key", as_="guar-g/admin",
                        json={"public_key": key})
    assert events(revoked) == ["KeyRevoked"]
    error(ledger.post("/v1/contracts/membership/revoke_key", "guar-g/admin",
                      json={"public_key": key}), 409, field="public_key")
    error(ledger.post("/v1/contracts/membership/revoke_key", "guar-g/admin",
                      json={"public_key": "XYZ"}), 422, field="public_key")
    # another organisation's key is not guar-g's to revoke
    other = ledger.public_key("sme-t1/operator")
    error(ledger.post("/v1/contracts/membership/revoke_key", "guar-g/admin",
                      json={"public_key": other}), 403, field="public_key", code="unauthorised")


def test_unknown_contract_or_action_is_404_naming_it(ledger: Api) -> None:
    for path, field, known in (("/v1/contracts/cash/steal", "action", "transfer"),
                               ("/v1/contracts/nope/transfer", "contract", "cash")):
        r = ledger.post(path, "sme-t1/operator", json={})
        assert known in error(r, 404, field=field, code="not_found")["message"]


# --- integers the ledger cannot encode ------------------------------------------------------

HUGE = [2**64, -(2**63) - 1, 10**30]


@covers("POST /v1/contracts/cash/transfer", "POST /v1/proposals")
@pytest.mark.parametrize("amount", HUGE, ids=["2^64", "-2^63-1", "10^30"])
def test_integers_beyond_64_bits_store_nothing(ledger: Api, amount: int) -> None:
    before = ledger.snapshot("sme-t1/operator", ("sme-t1", "sme-t2"))
    r = ledger.post("/v1/contracts/cash/transfer", "sme-t1/operator",
                    json={"currency": "CNY", "to": "sme-t2", "amount": amount})
    assert r.status_code != 200
    offer = {"contract": "receivable", "action": "sell", "cosigners": ["bank-b"],
             "args": {"id": ledger.ids["second"], "buyer": "bank-b", "discount_rate_bp": amount,
                      "day_count": "ACT/365F", "recourse": True}}
    assert ledger.post("/v1/proposals", "sme-t1/operator", json=offer).status_code != 201
    ledger.assert_unchanged(before, "sme-t1/operator", ("sme-t1", "sme-t2"))


@covers("POST /v1/contracts/cash/transfer")
@pytest.mark.parametrize("amount", HUGE, ids=["2^64", "-2^63-1", "10^30"])
def test_integers_beyond_64_bits_are_422_naming_the_field(ledger: Api, amount: int) -> None:
    r = ledger.post("/v1/contracts/cash/transfer", "sme-t1/operator",
                    json={"currency": "CNY", "to": "sme-t2", "amount": amount})
    error(r, 422, field="amount", code="bad_args")


@covers("POST /v1/proposals")
def test_proposal_integer_beyond_64_bits_is_422(ledger: Api) -> None:
    offer = {"contract": "receivable", "action": "sell", "cosigners": ["bank-b"],
             "args": {"id": ledger.ids["second"], "buyer": "bank-b", "discount_rate_bp": 2**64,
                      "day_count": "ACT/365F", "recourse": True}}
    error(ledger.post("/v1/proposals", "sme-t1/operator", json=offer), 422,
          field="args.discount_rate_bp")


def _issue(ledger: Api, amount: Any) -> dict[str, Any]:
    return {"invoices": [{"invoice": ledger.ids["invoices"][3], "amount": amount}],
            "debtor": "core-a", "currency": "CNY", "maturity": MATURITY}


@covers("POST /v1/contracts/receivable/issue", "POST /v1/contracts/receivable/split",
        "POST /v1/proposals")
@pytest.mark.parametrize("amount", HUGE, ids=["2^64", "-2^63-1", "10^30"])
def test_nested_integers_beyond_64_bits_are_422_naming_the_field(ledger: Api,
                                                                 amount: int) -> None:
    before = ledger.snapshot("sme-t1/operator", ("sme-t1",))
    error(ledger.post("/v1/contracts/receivable/issue", "sme-t1/operator",
                      json=_issue(ledger, amount)), 422, field="invoices[0].amount",
          code="bad_args")
    error(ledger.post("/v1/contracts/receivable/split", "sme-t1/operator",
                      json={"id": ledger.ids["second"], "amounts": [1, amount]}), 422,
          field="amounts[1]", code="bad_args")
    offer = {"contract": "receivable", "action": "issue", "cosigners": ["bank-b"],
             "args": _issue(ledger, amount)}
    error(ledger.post("/v1/proposals", "sme-t1/operator", json=offer), 422,
          field="args.invoices[0].amount", code="bad_args")
    ledger.assert_unchanged(before, "sme-t1/operator", ("sme-t1",))


def _raw_post(ledger: Api, path: str, body: dict[str, Any], literal: str) -> httpx.Response:
    """POST ``body`` with the JSON literal ``literal`` written where it holds ``"@"``."""
    text = json.dumps(body).replace('"@"', literal)
    return ledger.post(path, "sme-t1/operator", content=text.encode(),
                       headers={"content-type": "application/json"})


@covers("POST /v1/contracts/cash/transfer", "POST /v1/proposals")
@pytest.mark.parametrize("digits", ["9" * 5000, "-" + "9" * 5000, "1" + "0" * 30])
def test_integer_literals_of_any_length_are_422_naming_the_field(ledger: Api,
                                                                 digits: str) -> None:
    """Past 4300 digits Python will not convert a literal at all; the field is still named."""
    r = _raw_post(ledger, "/v1/contracts/cash/transfer",
                  {"currency": "CNY", "to": "sme-t2", "amount": "@"}, digits)
    detail = error(r, 422, field="amount", code="bad_args")
    assert "64-bit" in detail["message"] and len(detail["message"]) < 300
    offer = {"contract": "receivable", "action": "split", "cosigners": ["bank-b"],
             "args": {"id": ledger.ids["second"], "amounts": [1, "@"]}}
    error(_raw_post(ledger, "/v1/proposals", offer, digits), 422, field="args.amounts[1]",
          code="bad_args")


@covers("POST /v1/contracts/cash/transfer")
def test_text_that_is_not_unicode_is_422_naming_the_field(ledger: Api) -> None:
    r = _raw_post(ledger, "/v1/contracts/cash/transfer",
                  {"currency": "CNY", "to": "sme-t2", "amount": 5, "memo": "@"}, '"a\\ud800"')
    error(r, 422, field="memo", code="bad_args")
