"""Membership: governance quorums, suspension, re-keying, and user keys."""

from __future__ import annotations

import pytest

from smechain.modules.membership.contract import KeyRecord
from smechain.node.keys import KeyPair

from ..conftest import Chain


def add_org_args(key: KeyPair, org_id: str = "bank-b", roles: list[str] | None = None) -> dict:
    return {"id": org_id, "name": "Bank B", "roles": roles or ["bank"], "admin_key": key.public}


def governors(chain: Chain, *orgs: str) -> list[KeyPair]:
    return [chain.key(o) for o in orgs]


# --- add_org -------------------------------------------------------------------------


@pytest.mark.parametrize("admin", ["pboc", "bank-a", "core-a"])
def test_add_org_by_one_admin_is_unauthorised(chain: Chain, admin: str) -> None:
    new = chain.new_key()
    raw = chain.tx("membership", "add_org", add_org_args(new), chain.key(admin))
    chain.expect_failed(raw, "unauthorised")
    assert chain.org("bank-b") is None
    assert chain.key_record(new) is None


@pytest.mark.parametrize("pair", [("pboc", "bank-a"), ("bank-a", "core-a"), ("core-a", "pboc")])
def test_add_org_by_two_admins_admits_it(chain: Chain, pair: tuple[str, str]) -> None:
    new = chain.new_key()
    (receipt,) = chain.ok(chain.tx("membership", "add_org", add_org_args(new),
                                   governors(chain, *pair)))
    assert [e.name for e in receipt.events] == ["OrgAdded"]
    org = chain.org("bank-b")
    assert org is not None
    assert (org.status, org.roles, org.admin_key) == ("active", ["bank"], new.public)
    assert chain.key_record(new) == KeyRecord("bank-b", "admin", True)
    # only the sender's nonce moves
    assert chain.committed_nonce(chain.key(pair[0])) == 1
    assert chain.committed_nonce(chain.key(pair[1])) == 0


def test_new_orgs_admin_key_can_sign(chain: Chain) -> None:
    new = chain.new_key()
    chain.ok(chain.tx("membership", "add_org", add_org_args(new),
                      governors(chain, "pboc", "core-a")))
    chain.ok(chain.issue("bank-b", 100))
    chain.ok(chain.transfer(new, "sme-1", 30))
    assert chain.balance("CNY", "bank-b") == 70
    assert chain.balance("CNY", "sme-1") == 30
    clerk = chain.enrol(new)
    assert chain.key_record(clerk) == KeyRecord("bank-b", "clerk", False)


def test_three_admins_also_suffice(chain: Chain) -> None:
    chain.ok(chain.tx("membership", "add_org", add_org_args(chain.new_key()),
                      governors(chain, "pboc", "bank-a", "core-a")))
    assert chain.org("bank-b") is not None


def test_non_governing_cosigner_does_not_count(chain: Chain) -> None:
    raw = chain.tx("membership", "add_org", add_org_args(chain.new_key()),
                   governors(chain, "pboc", "sme-1"))
    chain.expect_failed(raw, "unauthorised")
    assert chain.org("bank-b") is None


def test_user_key_of_a_governing_org_does_not_count(chain: Chain) -> None:
    clerk = chain.enrol(chain.key("bank-a"))
    for signers in ([chain.key("bank-a"), clerk], [chain.key("pboc"), clerk],
                    [clerk, chain.key("pboc")]):
        raw = chain.tx("membership", "add_org", add_org_args(chain.new_key()), signers)
        chain.expect_failed(raw, "unauthorised")
    assert chain.org("bank-b") is None


def test_two_admin_keys_of_one_org_count_once(chain: Chain) -> None:
    """Right after a rekey, in the same block, bank-a has two working admin keys."""
    old = chain.key("bank-a")
    new = chain.new_key()
    rekey = chain.tx("membership", "rekey_org", {"org": "bank-a", "admin_key": new.public},
                     governors(chain, "pboc", "core-a"))
    both = chain.tx("membership", "add_org", add_org_args(chain.new_key()), [old, new])
    receipts = chain.run(rekey, both)
    assert [r.code for r in receipts] == ["ok", "unauthorised"]
    assert chain.org("bank-b") is None


def test_add_org_checks(chain: Chain) -> None:
    quorum = governors(chain, "pboc", "bank-a")
    taken = chain.key("sme-1")
    cases = [
        (add_org_args(chain.new_key(), org_id="sme-1"), "conflict"),
        (add_org_args(taken), "conflict"),
        (add_org_args(chain.new_key(), org_id="Bank B"), "bad_args"),
        (add_org_args(chain.new_key(), roles=["wizard"]), "bad_args"),
        ({**add_org_args(chain.new_key()), "admin_key": b"short"}, "bad_args"),
        ({**add_org_args(chain.new_key()), "extra": 1}, "bad_args"),
    ]
    for args, code in cases:
        chain.expect_failed(chain.tx("membership", "add_org", args, quorum), code)
    assert chain.org("bank-b") is None


# --- suspend / readmit -------------------------------------------------------------


def test_suspend_blocks_the_org_and_readmit_restores_it(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 100))
    clerk = chain.enrol(chain.key("sme-1"))
    chain.ok(chain.tx("membership", "suspend_org", {"org": "sme-1"},
                      governors(chain, "pboc", "bank-a")))
    assert chain.org("sme-1").status == "suspended"

    pay = chain.transfer(chain.key("sme-1"), "sme-2", 10)
    by_clerk = chain.transfer(clerk, "sme-2", 10)
    chain.expect_rejected(pay, "org_suspended")
    chain.expect_rejected(by_clerk, "org_suspended")
    assert chain.committed_nonce(chain.key("sme-1")) == 1  # only the enrol_key

    chain.ok(chain.tx("membership", "readmit_org", {"org": "sme-1"},
                      governors(chain, "core-a", "bank-a")))
    assert chain.org("sme-1").status == "active"
    # The very bytes refused while suspended never consumed their nonce.
    chain.ok(pay, by_clerk)
    assert chain.balance("CNY", "sme-2") == 20


def test_suspension_applies_to_the_rest_of_the_same_block(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 100))
    suspend = chain.tx("membership", "suspend_org", {"org": "sme-1"},
                       governors(chain, "pboc", "bank-a"))
    pay = chain.transfer(chain.key("sme-1"), "sme-2", 10)
    receipts = chain.run(suspend, pay)
    assert [r.code for r in receipts] == ["ok", "org_suspended"]
    assert chain.balance("CNY", "sme-1") == 100


def test_suspend_and_readmit_need_a_quorum(chain: Chain) -> None:
    chain.expect_failed(chain.tx("membership", "suspend_org", {"org": "sme-1"},
                                 chain.key("pboc")), "unauthorised")
    assert chain.org("sme-1").status == "active"
    chain.ok(chain.tx("membership", "suspend_org", {"org": "sme-1"},
                      governors(chain, "pboc", "bank-a")))
    chain.expect_failed(chain.tx("membership", "readmit_org", {"org": "sme-1"},
                                 chain.key("core-a")), "unauthorised")
    assert chain.org("sme-1").status == "suspended"


def test_suspend_and_readmit_follow_the_lifecycle(chain: Chain) -> None:
    quorum = governors(chain, "pboc", "bank-a")
    chain.expect_failed(chain.tx("membership", "readmit_org", {"org": "sme-1"}, quorum),
                        "conflict")
    chain.expect_failed(chain.tx("membership", "suspend_org", {"org": "nobody"}, quorum),
                        "not_found")
    chain.ok(chain.tx("membership", "suspend_org", {"org": "sme-1"}, quorum))
    chain.expect_failed(chain.tx("membership", "suspend_org", {"org": "sme-1"}, quorum),
                        "conflict")


def test_suspended_governor_cannot_vote(chain: Chain) -> None:
    chain.ok(chain.tx("membership", "suspend_org", {"org": "core-a"},
                      governors(chain, "pboc", "bank-a")))
    raw = chain.tx("membership", "add_org", add_org_args(chain.new_key()),
                   governors(chain, "pboc", "core-a"))
    chain.expect_rejected(raw, "org_suspended")


# --- rekey ---------------------------------------------------------------------------


def test_rekey_retires_the_old_key_from_the_next_height(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 100))
    old = chain.key("sme-1")
    new = chain.new_key()
    rekey = chain.tx("membership", "rekey_org", {"org": "sme-1", "admin_key": new.public},
                     governors(chain, "pboc", "bank-a"))
    same_block = chain.transfer(old, "sme-2", 1)
    chain.ok(rekey, same_block)  # the old key still works in the rekey block
    rekey_height = chain.height
    assert chain.key_record(old).revoked_at == rekey_height + 1
    assert chain.org("sme-1").admin_key == new.public

    chain.expect_rejected(chain.transfer(old, "sme-2", 1), "key_revoked")
    chain.ok(chain.transfer(new, "sme-2", 5))
    assert chain.balance("CNY", "sme-2") == 6
    assert chain.balance("CNY", "sme-1") == 94
    chain.empty_blocks(2)
    chain.expect_rejected(chain.transfer(old, "sme-2", 1), "key_revoked")
    # the new key is an admin key: it may enrol users
    chain.enrol(new)


def test_rekey_of_a_governor_moves_its_vote(chain: Chain) -> None:
    old = chain.key("bank-a")
    new = chain.new_key()
    chain.ok(chain.tx("membership", "rekey_org", {"org": "bank-a", "admin_key": new.public},
                      governors(chain, "pboc", "core-a")))
    chain.expect_rejected(chain.tx("membership", "add_org", add_org_args(chain.new_key()),
                                   [chain.key("pboc"), old]), "key_revoked")
    chain.ok(chain.tx("membership", "add_org", add_org_args(chain.new_key()),
                      [chain.key("pboc"), new]))
    assert chain.org("bank-b") is not None


def test_rekey_needs_a_quorum_and_a_fresh_key(chain: Chain) -> None:
    new = chain.new_key()
    chain.expect_failed(chain.tx("membership", "rekey_org",
                                 {"org": "sme-1", "admin_key": new.public}, chain.key("pboc")),
                        "unauthorised")
    chain.expect_failed(chain.tx("membership", "rekey_org",
                                 {"org": "sme-1", "admin_key": chain.key("sme-2").public},
                                 governors(chain, "pboc", "bank-a")), "conflict")
    chain.expect_failed(chain.tx("membership", "rekey_org",
                                 {"org": "nobody", "admin_key": new.public},
                                 governors(chain, "pboc", "bank-a")), "not_found")
    assert chain.org("sme-1").admin_key == chain.key("sme-1").public
    assert chain.key_record(new) is None


# --- enrol / revoke user keys -----------------------------------------------------------


def test_enrolled_user_key_transfers_for_its_org(chain: Chain) -> None:
    chain.ok(chain.issue("core-a", 500))
    admin = chain.key("core-a")
    user = chain.new_key()
    (receipt,) = chain.ok(chain.tx("membership", "enrol_key",
                                   {"public_key": user.public, "name": "treasury"}, admin))
    assert [e.name for e in receipt.events] == ["KeyEnrolled"]
    assert chain.key_record(user) == KeyRecord("core-a", "treasury", False)

    (receipt,) = chain.ok(chain.transfer(user, "sme-1", 200))
    assert receipt.events[0].attrs["sender"] == "core-a"
    assert chain.balance("CNY", "core-a") == 300
    assert chain.balance("CNY", "sme-1") == 200
    assert chain.committed_nonce(user) == 1  # the user key keeps its own nonce
    assert chain.committed_nonce(admin) == 1


def test_enrol_key_by_a_user_key_is_unauthorised(chain: Chain) -> None:
    user = chain.enrol(chain.key("bank-a"))
    other = chain.new_key()
    raw = chain.tx("membership", "enrol_key", {"public_key": other.public, "name": "x"}, user)
    chain.expect_failed(raw, "unauthorised")
    assert chain.key_record(other) is None


def test_enrol_key_checks(chain: Chain) -> None:
    admin = chain.key("bank-a")
    for args, code in [
        ({"public_key": chain.key("sme-1").public, "name": "x"}, "conflict"),
        ({"public_key": b"short", "name": "x"}, "bad_args"),
        ({"public_key": chain.new_key().public, "name": ""}, "bad_args"),
        ({"public_key": chain.new_key().public, "name": "x" * 65}, "bad_args"),
    ]:
        chain.expect_failed(chain.tx("membership", "enrol_key", args, admin), code)


def test_revoke_key_at_height(chain: Chain) -> None:
    chain.ok(chain.issue("bank-a", 100))
    admin = chain.key("bank-a")
    user = chain.enrol(admin)
    at = chain.height + 4
    chain.ok(chain.tx("membership", "revoke_key", {"public_key": user.public, "at_height": at},
                      admin))
    assert chain.key_record(user).revoked_at == at
    while chain.height + 1 < at:
        chain.ok(chain.transfer(user, "sme-1", 1))
    assert chain.balance("CNY", "sme-1") == 2  # used at the two heights before ``at``
    assert chain.height + 1 == at
    chain.expect_rejected(chain.transfer(user, "sme-1", 1), "key_revoked")  # at
    chain.expect_rejected(chain.transfer(user, "sme-1", 1), "key_revoked")  # after
    chain.ok(chain.transfer(admin, "sme-1", 1))  # the org itself is unaffected
    assert chain.balance("CNY", "sme-1") == 3


def test_revoke_key_defaults_to_the_next_block(chain: Chain) -> None:
    chain.ok(chain.issue("bank-a", 100))
    admin = chain.key("bank-a")
    user = chain.enrol(admin)
    revoke = chain.tx("membership", "revoke_key", {"public_key": user.public}, admin)
    chain.ok(revoke, chain.transfer(user, "sme-1", 1))
    assert chain.key_record(user).revoked_at == chain.height + 1
    chain.expect_rejected(chain.transfer(user, "sme-1", 1), "key_revoked")


def test_revoke_key_checks(chain: Chain) -> None:
    bank, sme = chain.key("bank-a"), chain.key("sme-1")
    user = chain.enrol(bank)
    sme_user = chain.enrol(sme)
    for raw, code in [
        (chain.tx("membership", "revoke_key", {"public_key": user.public}, sme), "unauthorised"),
        (chain.tx("membership", "revoke_key", {"public_key": user.public}, sme_user),
         "unauthorised"),
        (chain.tx("membership", "revoke_key", {"public_key": sme.public}, bank), "unauthorised"),
        (chain.tx("membership", "revoke_key", {"public_key": bank.public}, bank), "conflict"),
        (chain.tx("membership", "revoke_key", {"public_key": chain.new_key().public}, bank),
         "not_found"),
    ]:
        chain.expect_failed(raw, code)
    for at in (chain.height, chain.height + 1):  # the block running it is height + 1
        too_soon = chain.tx("membership", "revoke_key",
                            {"public_key": user.public, "at_height": at}, bank)
        chain.expect_failed(too_soon, "bad_args")
    assert chain.key_record(user).revoked_at == 0
    chain.ok(chain.tx("membership", "revoke_key", {"public_key": user.public}, bank))
    chain.expect_failed(chain.tx("membership", "revoke_key", {"public_key": user.public}, bank),
                        "conflict")


# --- refusals name their field ------------------------------------------------------


def test_a_missing_quorum_names_the_signers_and_what_it_needs(chain: Chain) -> None:
    receipt = chain.expect_failed(chain.tx("membership", "suspend_org", {"org": "sme-1"},
                                           chain.key("pboc")), "unauthorised")
    assert receipt.field == "signers"
    assert "needs the admin signatures of 2 of the governing organisations" in receipt.message


@pytest.mark.parametrize(("args", "field"), [
    ({"roles": ["wizard"]}, "roles"),
    ({"roles": []}, "roles"),
    ({"id": "Bank B"}, "id"),
])
def test_add_org_arguments_are_checked_before_the_quorum(chain: Chain, args: dict,
                                                         field: str) -> None:
    # one admin alone: the bad argument is reported, not the missing quorum
    receipt = chain.expect_failed(chain.tx("membership", "add_org", {
        **add_org_args(chain.new_key()), **args}, chain.key("pboc")), "bad_args")
    assert receipt.field == field


def test_a_long_id_is_not_echoed_in_full(chain: Chain) -> None:
    receipt = chain.expect_failed(chain.tx("membership", "add_org", add_org_args(
        chain.new_key(), org_id="x" * 5000), governors(chain, "pboc", "bank-a")), "bad_args")
    assert receipt.field == "id" and len(receipt.message) < 200
