"""The loans' part of the demo: two firms banks could not lend to before.

- 30 days ago (after Bank A registers its scorecard) tier 2, with no collateral but a
  patent, grants Bank A consent to its tax, market regulation, social insurance and IP
  data and applies for an IP-pledge loan; Bank A scores it through the privacy protocol
  and approves; the national IP administration registers the patent's pledge; Bank A
  disburses (``ids["ip_loan"]``, ``ids["pledge"]``). Tier 4, an exporter, grants a
  consent that covers its customs data; Shanghai Customs attests its twelve months of
  exports; it applies for a loan sized on them, Bank A scores, approves at 30% of the
  export value and disburses (``ids["export_loan"]``, ``ids["export_record"]``). Tier 3
  applies unsecured and waits in Bank A's queue (``ids["queued_loan"]``).
- today each borrower repays: the first instalment if it has fallen due, else a
  prepayment of part of the principal.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from smechain.api.demo import MS_PER_DAY, DemoBuilder, Seed, day
from smechain.core.encoding import decode
from smechain.modules.credit.routes import request_score
from smechain.modules.loan.queries import read_loan
from smechain.modules.product.contract import PRODUCT_PREFIX, Product, Status

PATENT = "ZL202310567890.1"


def _grant(demo: DemoBuilder, sme: str, categories: list[str]) -> str:
    result = demo.do(sme, "consent", "grant", {
        "bank": "bank-a", "categories": categories, "purpose": "credit_assessment",
        "until_ms": int(time.time() * 1000) + 300 * MS_PER_DAY})
    return str(result["events"][-1]["attrs"]["id"])


def _product(demo: DemoBuilder, kind: str, amount: int, term_months: int) -> Product:
    """Bank A's live CNY product of ``kind`` whose amount and term ranges hold the loan
    (the products' seed published them), amortising ones first, then by id: the same
    one on every run of the demo."""
    found = sorted((p for p in (decode(raw, Product) for _, raw, _ in
                                demo.node.store.iter_state(PRODUCT_PREFIX))
                    if p.bank == "bank-a" and p.status == Status.LIVE and p.terms.kind == kind
                    and p.terms.currency == "CNY"
                    and p.terms.min_amount <= amount <= p.terms.max_amount
                    and p.terms.min_term_months <= term_months <= p.terms.max_term_months),
                   key=lambda p: (p.terms.repayment == "interest_only_balloon", p.id))
    if not found:
        raise RuntimeError(f"demo: Bank A publishes no {kind} product for {amount} over "
                           f"{term_months} months")
    return found[0]


def _apply(demo: DemoBuilder, sme: str, consent: str, amount: int, kind: str,
           basis: dict[str, Any]) -> tuple[str, Product]:
    """``sme`` applies to Bank A for a 12-month loan under a product of ``kind`` that fits
    it; the loan's id and the product."""
    product = _product(demo, kind, amount, 12)
    result = demo.do(sme, "loan", "apply", {
        "bank": "bank-a", "consent_id": consent, "currency": "CNY", "amount": amount,
        "term_months": 12, "product_id": product.id, "product_version": product.version,
        "basis": basis})
    return str(result["events"][-1]["attrs"]["id"]), product


def _priced(product: Product, rate_bp: int, terms: dict[str, Any]) -> dict[str, Any]:
    """``terms`` at the product's repayment style and at ``rate_bp`` brought within its
    rate range (penalty interest half as much again)."""
    rate = max(product.terms.min_rate_bp, min(product.terms.max_rate_bp, rate_bp))
    return {**terms, "rate_bp": rate, "style": product.terms.repayment,
            "penalty_rate_bp": rate * 3 // 2}


def _approve(demo: DemoBuilder, loan: str, consent: str, sme: str, terms: dict[str, Any]
             ) -> None:
    """Bank A scores ``sme`` privately under ``consent`` and approves on that score."""
    report = request_score(demo.platform, demo.caller("bank-a"), consent,
                           demo.ids["model"], sme)
    kinds = [a["kind"] for a in report["attestations"]]
    score_tx = report["attestation_txs"][kinds.index("score")]
    demo.do("bank-a", "loan", "decide", {
        "id": loan, "approve": True, "band": report["band"],
        "reason_codes": [r["code"] for r in report["reasons"]],
        "attestation_id": score_tx[:32], "terms": terms})


def _repay_some(demo: DemoBuilder, sme: str, loan: str) -> None:
    """The first instalment if it is due today, else a tenth of the principal early."""
    record = read_loan(demo.node.store, loan)
    assert record is not None
    first = record.schedule[0]
    if first.due <= day(0):
        demo.do(sme, "loan", "repay", {"id": loan,
                                       "amount": first.principal + first.interest})
    else:
        demo.do(sme, "loan", "repay_early", {"id": loan, "principal": record.amount // 10})


def seed(demo: DemoBuilder) -> Seed:
    """Lend on a patent and on export records (see ``smechain.api.demo.Seed``)."""
    yield 30
    consent = _grant(demo, "sme-t2", ["tax", "market_regulation", "social_insurance", "ip"])
    ip_loan, product = _apply(demo, "sme-t2", consent, 80_000_000, "ip_pledge", {
        "kind": "ip_pledge", "right_kind": "patent", "registration_number": PATENT})
    _approve(demo, ip_loan, consent, "sme-t2", _priced(product, 395, {
        "amount": 80_000_000, "term_months": 12, "day_count": "ACT/360", "grace_days": 3,
        "prepayment_fee_bp": 50}))
    pledge = demo.do("cnipa", "loan", "pledge_ip", {
        "id": ip_loan, "right_kind": "patent", "registration_number": PATENT,
        "value": 150_000_000})
    demo.do("bank-a", "loan", "disburse", {"id": ip_loan})

    consent = _grant(demo, "sme-t4", ["tax", "market_regulation", "social_insurance",
                                      "customs"])
    record = demo.do("customs-sh", "loan", "attest_export", {
        "sme": "sme-t4", "consent_id": consent, "currency": "CNY", "value": 2_400_000_000,
        "period_end": day(-31), "digest": hashlib.sha256(b"sme-t4 declarations").hexdigest()})
    record_id = str(record["events"][-1]["attrs"]["export_record"])
    export_loan, product = _apply(demo, "sme-t4", consent, 600_000_000, "export_record",
                                  {"kind": "export_record", "export_record": record_id})
    _approve(demo, export_loan, consent, "sme-t4", _priced(product, 360, {
        "amount": 600_000_000, "term_months": 12, "day_count": "ACT/365F",
        "export_share_bp": 3_000}))
    demo.do("bank-a", "loan", "disburse", {"id": export_loan})

    queued, _ = _apply(demo, "sme-t3", _grant(demo, "sme-t3", ["tax"]), 30_000_000,
                       "working_capital", {"kind": "unsecured"})
    demo.ids.update(ip_loan=ip_loan, pledge=str(pledge["events"][-1]["attrs"]["pledge"]),
                    export_loan=export_loan, export_record=record_id, queued_loan=queued)
    yield 0
    _repay_some(demo, "sme-t2", ip_loan)
    _repay_some(demo, "sme-t4", export_loan)
