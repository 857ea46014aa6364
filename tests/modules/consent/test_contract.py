"""Consent: grant and revoke through the executor, and every refusal of ``check_consent``
as the ledger meets it (each kind with its own code and field)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from smechain.core.block import Event
from smechain.core.encoding import decode
from smechain.modules.consent.contract import MAX_TERM_DAYS, Consent, Status, consent_key
from smechain.modules.consent.queries import (
    CategoryNotGranted,
    ConsentExpired,
    ConsentRefused,
    ConsentRevoked,
    NoConsent,
    OtherSme,
    WrongBank,
    WrongPurpose,
    check_consent,
)

from ..conftest import Chain, block_timestamp

DAY_MS = 86_400_000


def grant_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"bank": "bank-a", "categories": ["tax", "social_insurance"],
                            "purpose": "credit_assessment",
                            "until_ms": block_timestamp(0) + 30 * DAY_MS}
    return {**args, **changes}


def grant(chain: Chain, sme: str = "sme-1", **changes: Any) -> str:
    """``sme`` grants a consent in its own block; its id."""
    (receipt,) = chain.ok(chain.tx("consent", "grant", grant_args(**changes), chain.key(sme)))
    return str(receipt.events[-1].attrs["id"])


def consent(chain: Chain, consent_id: str) -> Consent:
    raw = chain.store.get(consent_key(consent_id))
    assert raw is not None
    return decode(raw, Consent)


def test_grant_records_the_consent_with_a_hash_derived_id(chain: Chain) -> None:
    raw = chain.tx("consent", "grant", grant_args(), chain.key("sme-1"))
    (receipt,) = chain.ok(raw)
    consent_id = receipt.tx_hash.hex()[:32]
    until = block_timestamp(0) + 30 * DAY_MS
    assert consent(chain, consent_id) == Consent(
        consent_id, "sme-1", "bank-a", ["tax", "social_insurance"], "credit_assessment",
        block_timestamp(chain.height), until, 0, Status.GRANTED)
    assert receipt.events == [Event("consent", "ConsentGranted", {
        "id": consent_id, "sme": "sme-1", "bank": "bank-a",
        "categories": ["tax", "social_insurance"], "purpose": "credit_assessment",
        "until_ms": until})]


def test_the_granting_sme_revokes_once(chain: Chain) -> None:
    consent_id = grant(chain)
    chain.expect_failed(chain.tx("consent", "revoke", {"id": consent_id}, chain.key("sme-2")),
                        "unauthorised")
    chain.expect_failed(chain.tx("consent", "revoke", {"id": consent_id}, chain.key("bank-a")),
                        "unauthorised")
    (receipt,) = chain.ok(chain.tx("consent", "revoke", {"id": consent_id}, chain.key("sme-1")))
    revoked = consent(chain, consent_id)
    assert (revoked.status, revoked.revoked_at_ms) == (Status.REVOKED,
                                                       block_timestamp(chain.height))
    assert receipt.events == [Event("consent", "ConsentRevoked", {
        "id": consent_id, "sme": "sme-1", "bank": "bank-a"})]
    again = chain.expect_failed(chain.tx("consent", "revoke", {"id": consent_id},
                                         chain.key("sme-1")), "conflict")
    assert again.field == "id" and "revoked" in again.message
    missing = chain.expect_failed(chain.tx("consent", "revoke", {"id": "f" * 32},
                                           chain.key("sme-1")), "not_found")
    assert missing.field == "id"


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"bank": "nobody"}, "not_found", "bank"),
    ({"bank": "core-a"}, "bad_args", "bank"),
    ({"categories": []}, "bad_args", "categories"),
    ({"categories": ["tax", "weather"]}, "bad_args", "categories[1]"),
    ({"categories": ["tax", "courts", "tax"]}, "bad_args", "categories[2]"),
    ({"purpose": "marketing"}, "bad_args", "purpose"),
    ({"until_ms": block_timestamp(1)}, "bad_args", "until_ms"),
    ({"until_ms": block_timestamp(1) + (MAX_TERM_DAYS + 1) * DAY_MS}, "bad_args", "until_ms"),
], ids=lambda v: str(v)[:40])
def test_a_bad_grant_is_refused_naming_its_field(chain: Chain, changes: dict[str, Any],
                                                  code: str, field: str) -> None:
    receipt = chain.expect_failed(chain.tx("consent", "grant", grant_args(**changes),
                                           chain.key("sme-1")), code)
    assert receipt.field == field


def test_only_smes_grant(chain: Chain) -> None:
    chain.expect_failed(chain.tx("consent", "grant", grant_args(), chain.key("core-a")),
                        "unauthorised")


# --- check_consent over committed state ------------------------------------------------


def test_a_live_consent_allows_what_it_names(chain: Chain) -> None:
    consent_id = grant(chain)
    now = block_timestamp(chain.height)
    found = check_consent(chain.store, consent_id, "bank-a", "tax", "credit_assessment", now)
    assert found.id == consent_id


@pytest.mark.parametrize(("kind", "code", "field"), [
    ("none", "consent_unknown", "consent_id"),
    ("expired", "consent_expired", "consent_id"),
    ("revoked", "consent_revoked", "consent_id"),
    ("other_sme", "consent_other_sme", "sme"),
    ("wrong_bank", "consent_wrong_bank", "bank"),
    ("wrong_category", "consent_category", "category"),
    ("wrong_purpose", "consent_purpose", "purpose"),
])
def test_each_refusal_has_its_class_code_and_field(chain: Chain, kind: str, code: str,
                                                   field: str) -> None:
    consent_id = grant(chain)
    until = consent(chain, consent_id).until_ms
    now = block_timestamp(chain.height)
    args: dict[str, Any] = {"consent_id": consent_id, "bank": "bank-a", "category": "tax",
                            "purpose": "credit_assessment", "now_ms": now}
    if kind == "none":
        args["consent_id"] = "0" * 32
    elif kind == "expired":
        args["now_ms"] = until
    elif kind == "revoked":
        chain.ok(chain.tx("consent", "revoke", {"id": consent_id}, chain.key("sme-1")))
    elif kind == "other_sme":
        args["sme"] = "sme-2"
    elif kind == "wrong_bank":
        args["bank"] = "bank-c"
    elif kind == "wrong_category":
        args["category"] = "customs"
    else:
        args["purpose"] = "loan_review"
    classes = {"none": NoConsent, "expired": ConsentExpired, "revoked": ConsentRevoked,
               "other_sme": OtherSme, "wrong_bank": WrongBank, "wrong_category": CategoryNotGranted,
               "wrong_purpose": WrongPurpose}
    with pytest.raises(ConsentRefused) as refused:
        check_consent(chain.store, **args)
    assert type(refused.value) is classes[kind]
    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.message.startswith(f"{field}: ")
    # the caller may name the fields as its own arguments
    with pytest.raises(ConsentRefused) as renamed:
        check_consent(chain.store, **args, fields={field: "mine"})
    assert renamed.value.field == "mine"


def test_the_granting_sme_passes_the_sme_check_and_refusals_give_dates(chain: Chain) -> None:
    consent_id = grant(chain)
    now = block_timestamp(chain.height)
    check_consent(chain.store, consent_id, "bank-a", "tax", "credit_assessment", now,
                  sme="sme-1")
    until = consent(chain, consent_id).until_ms
    with pytest.raises(ConsentExpired) as expired:
        check_consent(chain.store, consent_id, "bank-a", "tax", "credit_assessment", until)
    assert re.search(r"expired on \d{4}-\d{2}-\d{2}$", expired.value.message)


def test_expiry_is_by_time_the_last_live_millisecond(chain: Chain) -> None:
    consent_id = grant(chain)
    until = consent(chain, consent_id).until_ms
    check_consent(chain.store, consent_id, "bank-a", "tax", "credit_assessment", until - 1)
    with pytest.raises(ConsentExpired):
        check_consent(chain.store, consent_id, "bank-a", "tax", "credit_assessment", until)
    assert consent(chain, consent_id).status == Status.GRANTED  # expiry is read, not written
