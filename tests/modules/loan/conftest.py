"""A chain with a bank's scorecard and helpers that walk a loan through its life."""

from __future__ import annotations

import hashlib
from typing import Any

from smechain.core.encoding import decode
from smechain.modules.loan.contract import (
    ExportRecord,
    Loan,
    Pledge,
    export_key,
    loan_key,
    pledge_key,
)

from ..conftest import Chain, block_timestamp

DAY_MS = 86_400_000
VERSION = "loan-test-1"


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class Loans:
    """Transactions of the loan lifecycle on a ``Chain``."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        chain.ok(chain.tx("credit", "register_model", {
            "model_version": VERSION, "kind": "scorecard", "artefact_digest": digest("m"),
            "categories": [{"category": "tax", "features": ["vat_paid_12m"]}],
            "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
            "band_cutoffs": [520, 580, 640]}, chain.key("bank-a")))
        chain.ok(chain.tx("credit", "register_model", {
            "model_version": VERSION + "c", "kind": "scorecard", "artefact_digest": digest("m"),
            "categories": [{"category": "tax", "features": ["vat_paid_12m"]}],
            "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
            "band_cutoffs": [520, 580, 640]}, chain.key("bank-c")))

    def grant(self, sme: str = "sme-1", bank: str = "bank-a",
              categories: tuple[str, ...] = ("tax", "ip", "customs"),
              purpose: str = "credit_assessment", days: int = 400) -> str:
        chain = self.chain
        (receipt,) = chain.ok(chain.tx("consent", "grant", {
            "bank": bank, "categories": list(categories), "purpose": purpose,
            "until_ms": block_timestamp(chain.height + 1) + (chain.days_later + days) * DAY_MS},
            chain.key(sme)))
        return str(receipt.events[-1].attrs["id"])

    def score(self, consent_id: str, bank: str = "bank-a") -> str:
        chain = self.chain
        (receipt,) = chain.ok(chain.tx("credit", "attest", {
            "consent_id": consent_id, "model_version": VERSION + ("c" if bank == "bank-c" else ""),
            "category": "", "input_digests": [digest("in")], "result_digest": digest("report"),
            "kind": "score"}, chain.key(bank)))
        return str(receipt.events[-1].attrs["id"])

    def apply_tx(self, consent_id: str, sme: str = "sme-1", bank: str = "bank-a",
                 amount: int = 12_000_000, **changes: Any) -> bytes:
        args: dict[str, Any] = {"bank": bank, "consent_id": consent_id, "currency": "CNY",
                                "amount": amount, "term_months": 12,
                                "product_id": "ipl-2026", "product_version": "1"}
        return self.chain.tx("loan", "apply", {**args, **changes}, self.chain.key(sme))

    def apply(self, consent_id: str, sme: str = "sme-1", bank: str = "bank-a",
              amount: int = 12_000_000, **changes: Any) -> str:
        (receipt,) = self.chain.ok(self.apply_tx(consent_id, sme, bank, amount, **changes))
        return str(receipt.events[-1].attrs["id"])

    def terms(self, **changes: Any) -> dict[str, Any]:
        return {"amount": 12_000_000, "rate_bp": 480, "term_months": 12, "style": "annuity",
                "day_count": "ACT/360", "penalty_rate_bp": 720, "grace_days": 3,
                "prepayment_fee_bp": 100, **changes}

    def decide_tx(self, loan_id: str, attestation_id: str, bank: str = "bank-a",
                  approve: bool = True, **changes: Any) -> bytes:
        args: dict[str, Any] = {"id": loan_id, "approve": approve, "band": "B",
                                "reason_codes": ["TAX_LOW"], "attestation_id": attestation_id}
        if approve:
            args["terms"] = self.terms()
        return self.chain.tx("loan", "decide", {**args, **changes}, self.chain.key(bank))

    def loan(self, loan_id: str) -> Loan:
        raw = self.chain.store.get(loan_key(loan_id))
        assert raw is not None
        return decode(raw, Loan)

    def pledge(self, pledge_id: str) -> Pledge:
        raw = self.chain.store.get(pledge_key(pledge_id))
        assert raw is not None
        return decode(raw, Pledge)

    def export(self, record_id: str) -> ExportRecord:
        raw = self.chain.store.get(export_key(record_id))
        assert raw is not None
        return decode(raw, ExportRecord)

    def tx(self, action: str, args: dict[str, Any], org: str) -> bytes:
        return self.chain.tx("loan", action, args, self.chain.key(org))

    def ok(self, action: str, args: dict[str, Any], org: str) -> Any:
        (receipt,) = self.chain.ok(self.tx(action, args, org))
        return receipt

    def active(self, sme: str = "sme-1", bank: str = "bank-a", cash: int = 10**10,
               **terms: Any) -> str:
        """An unsecured loan approved and disbursed."""
        self.chain.ok(self.chain.issue(bank, cash), self.chain.issue(sme, cash))
        consent = self.grant(sme, bank)
        loan_id = self.apply(consent, sme, bank, amount=terms.get("amount", 12_000_000))
        att = self.score(consent, bank)
        self.chain.ok(self.chain.tx("loan", "decide", {
            "id": loan_id, "approve": True, "band": "A", "reason_codes": [],
            "attestation_id": att, "terms": self.terms(**terms)}, self.chain.key(bank)))
        self.ok("disburse", {"id": loan_id}, bank)
        return loan_id
