"""Consent's pure reads over a plain map: standing, an organisation's consents, who may act."""

from __future__ import annotations

from smechain.modules.consent import queries as q
from smechain.modules.consent.contract import Consent, Status, consent_key

from ..state_dict import DictState


def consent(cid: str, sme: str, bank: str, granted: int, until: int = 1_000,
            revoked: int = 0) -> Consent:
    return Consent(cid, sme, bank, ["tax"], "credit_assessment", granted, until, revoked,
                   Status.REVOKED if revoked else Status.GRANTED)


def test_standing_is_read_from_time_and_status() -> None:
    live = consent("a", "sme-1", "bank-a", 0, until=100)
    assert [q.standing(live, t) for t in (0, 99, 100)] == ["live", "live", "expired"]
    assert [q.is_live(live, t) for t in (99, 100)] == [True, False]
    revoked = consent("b", "sme-1", "bank-a", 0, until=100, revoked=50)
    assert (q.standing(revoked, 10), q.is_live(revoked, 10)) == ("revoked", False)


def test_an_organisation_s_consents_by_role_newest_first() -> None:
    records = [consent("a", "sme-1", "bank-a", 10), consent("b", "sme-1", "bank-b", 30),
               consent("c", "sme-2", "bank-a", 20)]
    assert [c.id for c in q.consents_of(records, "sme-1", "sme")] == ["b", "a"]
    assert [c.id for c in q.consents_of(records, "bank-a", "bank")] == ["c", "a"]
    assert [c.id for c in q.consents_of(records, "bank-a", "sme")] == []
    assert [c.id for c in q.consents_of(records, "sme-2")] == ["c"]


def test_strangers_are_told_there_is_no_such_consent() -> None:
    state = DictState({consent_key("a"): consent("a", "sme-1", "bank-a", 0)})
    assert q.unknown_to(state, "sme-1", {"id": "a"}) is None
    assert q.unknown_to(state, "bank-a", {"id": "a"}) is None
    assert q.unknown_to(state, "sme-2", {"id": "a"}) == ("id", "no consent 'a'")
    assert q.unknown_to(state, "sme-2", {"id": "zz"}) == ("id", "no consent 'zz'")
    assert q.unknown_to(state, "sme-2", {"bank": "bank-a"}) is None


def test_a_consent_transaction_concerns_its_sme_and_bank() -> None:
    state = DictState({consent_key("a"): consent("a", "sme-1", "bank-a", 0)})
    assert q.tx_orgs(state, "consent", "revoke", {"id": {"a", "nope"}}) == {"sme-1", "bank-a"}
    assert q.tx_orgs(state, "receivable", "split", {"id": {"a"}}) == set()
