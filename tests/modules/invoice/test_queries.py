"""The invoice module's pure queries: who an invoice concerns, what a file check shows."""

from __future__ import annotations

from smechain.modules.invoice import queries as q
from smechain.modules.invoice.contract import Invoice, invoice_key, party_key

from ..state_dict import DictState

DIGEST = bytes(range(32))


def invoice(inv_id: str = "CN:1/A/1", buyer: str = "CN:2") -> Invoice:
    return Invoice(inv_id, "A", "1", "invoice", "380", "CN:1", buyer, "CNY", 1000, 130, 1130,
                   0, 0, 1130, "", "2026-01-05", DIGEST, "valid", 0, "tax", 1)


def state(*docs: Invoice) -> DictState:
    values = {party_key("CN:1"): "sme-1", party_key("CN:2"): "core-a"}
    values.update({invoice_key(d.id): d for d in docs})
    return DictState(values)


def test_parties_are_the_registered_seller_and_buyer_and_the_anchoring_authority() -> None:
    doc = invoice()
    assert q.invoice_orgs(state(doc), doc.id) == {"sme-1", "core-a", "tax"}
    unregistered = invoice("CN:1/A/2", buyer="CN:9")
    assert q.invoice_orgs(state(unregistered), unregistered.id) == {"sme-1", "tax"}
    assert q.invoice_orgs(state(), "CN:1/A/404") == set()


def test_tx_orgs_names_the_parties_of_every_invoice_named_in_any_contract() -> None:
    doc = invoice()
    named = {"invoice": {doc.id, "CN:1/A/404"}}
    assert q.tx_orgs(state(doc), "receivable", "issue", named) == {"sme-1", "core-a", "tax"}
    assert q.tx_orgs(state(doc), "cash", "transfer", {"invoice": set()}) == set()


def test_a_file_check_shows_figures_to_a_matching_file_or_a_party_only() -> None:
    doc = invoice()
    st = state(doc)
    assert q.file_check(st, doc, b"\0" * 32, party=False) == {"invoice": doc.id,
                                                              "match": False}
    for digest, party in ((DIGEST, False), (b"\0" * 32, True)):
        out = q.file_check(st, doc, digest, party)
        assert out["match"] is (digest == DIGEST)
        assert (out["status"], out["currency"], out["total_amount"]) == ("valid", "CNY", 1130)
        assert {"amount_due", "financed", "dilution"} <= set(out)


def test_with_financing_adds_the_commercial_invoice_view() -> None:
    doc = invoice()
    out = q.with_financing(state(doc), doc)
    assert out["id"] == doc.id and out["digest"] == DIGEST.hex()
    assert set(out["financing"]) >= {"amount_due", "financed", "dilution"}
