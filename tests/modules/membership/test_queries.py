"""The membership module's pure queries: members and who holds a key."""

from __future__ import annotations

from smechain.modules.membership.contract import ORG_PREFIX, KeyRecord, Org, key_key, org_key
from smechain.modules.membership.queries import member_ids, members, org_of_key

from ..state_dict import DictState


def test_members_and_their_ids_from_state_records() -> None:
    orgs = [Org("bank-a", "Bank A", ["bank"], "active", b"\1" * 32),
            Org("sme-1", "SME 1", ["sme"], "suspended", b"\2" * 32)]
    st = DictState({org_key(o.id): o for o in orgs})
    records = st.under(ORG_PREFIX)
    assert members(raw for _, raw in records) == orgs
    assert member_ids(key for key, _ in records) == {"bank-a", "sme-1"}


def test_org_of_key_names_the_enrolling_org_even_after_revocation() -> None:
    st = DictState({key_key(b"\1" * 32): KeyRecord("bank-a", "ops", False, revoked_at=5)})
    assert org_of_key(st, b"\1" * 32) == "bank-a"
    assert org_of_key(st, b"\3" * 32) == ""
