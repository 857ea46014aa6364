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
KIND_OF_BASIS = {"unsecured": "working_capital", "ip_pledge": "ip_pledge",
                 "export_record": "export_record", "receivable": "receivable_financing"}
"""The product kind each basis is applied for under."""
MIN_RATE_BP, MAX_RATE_BP = 100, 2_000
"""The rate range of every test product."""


def product_id(bank: str, kind: str, style: str = "equal_instalments") -> str:
    """The test product of ``bank`` of ``kind`` repaid in ``style``."""
    return f"{bank}.{kind}.{style}"


def product_terms(kind: str, style: str, **changes: Any) -> dict[str, Any]:
    """Terms of a test product: CNY, 1 fen to 100 million yuan, 1 to 60 months."""
    return {"name": f"{kind} {style}", "institution": "test bank", "kind": kind,
            "currency": "CNY", "min_amount": 1, "max_amount": 10**10,
            "min_term_months": 1, "max_term_months": 60, "min_rate_bp": MIN_RATE_BP,
            "max_rate_bp": MAX_RATE_BP, "repayment": style, "eligibility": {}, **changes}


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
        chain.ok(*(chain.tx("product", "publish", {
            "id": product_id(bank, kind, style), "terms": product_terms(kind, style)},
            chain.key(bank))
            for bank in ("bank-a", "bank-c") for kind in KIND_OF_BASIS.values()
            for style in ("equal_instalments", "equal_principal", "interest_only_balloon")))

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
                 amount: int = 12_000_000, style: str = "equal_instalments",
                 **changes: Any) -> bytes:
        """``apply`` under ``bank``'s test product of the basis's kind repaid in ``style``."""
        basis = changes.get("basis") or {}
        kind = KIND_OF_BASIS.get(basis.get("kind", "unsecured"), "working_capital")
        args: dict[str, Any] = {"bank": bank, "consent_id": consent_id, "currency": "CNY",
                                "amount": amount, "term_months": 12,
                                "product_id": product_id(bank, kind, style),
                                "product_version": 1}
        return self.chain.tx("loan", "apply", {**args, **changes}, self.chain.key(sme))

    def apply(self, consent_id: str, sme: str = "sme-1", bank: str = "bank-a",
              amount: int = 12_000_000, **changes: Any) -> str:
        (receipt,) = self.chain.ok(self.apply_tx(consent_id, sme, bank, amount, **changes))
        return str(receipt.events[-1].attrs["id"])

    def terms(self, **changes: Any) -> dict[str, Any]:
        return {"amount": 12_000_000, "rate_bp": 480, "term_months": 12,
                "style": "equal_instalments", "day_count": "ACT/360", "penalty_rate_bp": 720,
                "grace_days": 3,
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
        loan_id = self.apply(consent, sme, bank, amount=terms.get("amount", 12_000_000),
                             style=terms.get("style", "equal_instalments"))
        att = self.score(consent, bank)
        self.chain.ok(self.chain.tx("loan", "decide", {
            "id": loan_id, "approve": True, "band": "A", "reason_codes": [],
            "attestation_id": att, "terms": self.terms(**terms)}, self.chain.key(bank)))
        self.ok("disburse", {"id": loan_id}, bank)
        return loan_id
