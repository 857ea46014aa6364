"""The consents' part of the demo:

- 30 days ago tier 1 grants Bank A a year's consent to its tax, market regulation and
  social insurance data for a credit assessment (``ids["consent"]``, on which the
  credit seed scores it); tier 3 grants Bank B its tax data for 20 days, so that
  consent has expired by today (``ids["expired_consent"]``, with history only);
- 20 days ago tier 2 grants Bank A its tax data for post-loan monitoring and 5 days
  ago revokes it (``ids["revoked_consent"]``).
"""

from __future__ import annotations

import time

from smechain.api.demo import MS_PER_DAY, DemoBuilder, Seed


def _until(days_from_today: int) -> int:
    """Milliseconds of the wall clock ``days_from_today`` days from now."""
    return int(time.time() * 1000) + days_from_today * MS_PER_DAY


def _grant(demo: DemoBuilder, sme: str, bank: str, categories: list[str], purpose: str,
           until_ms: int) -> str:
    """``sme`` grants ``bank`` a consent; its id."""
    result = demo.do(sme, "consent", "grant", {"bank": bank, "categories": categories,
                                               "purpose": purpose, "until_ms": until_ms})
    return str(result["events"][-1]["attrs"]["id"])


def seed(demo: DemoBuilder) -> Seed:
    """Grant, expire and revoke consents (see ``smechain.api.demo.Seed``)."""
    yield 30
    demo.ids["consent"] = _grant(demo, "sme-t1", "bank-a",
                                 ["tax", "market_regulation", "social_insurance"],
                                 "credit_assessment", _until(335))
    if demo.history:
        demo.ids["expired_consent"] = _grant(demo, "sme-t3", "bank-b", ["tax"],
                                             "credit_assessment", _until(-10))
    yield 20
    revoked = _grant(demo, "sme-t2", "bank-a", ["tax"], "post_loan_monitoring", _until(180))
    yield 5
    demo.do("sme-t2", "consent", "revoke", {"id": revoked})
    demo.ids["revoked_consent"] = revoked
