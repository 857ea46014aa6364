"""The receivable module's pure queries: parties, lineage, sale price, totals."""

from __future__ import annotations

from fractions import Fraction

import pytest
import QuantLib as ql

from smechain.core.daycount import DayCount, day_number, year_fraction
from smechain.modules.receivable import queries as q
from smechain.modules.receivable.contract import (
    Backing,
    Certificate,
    cert_key,
    discounted_price,
)

from ..state_dict import DictState


def cert(cert_id: str, *, holder: str = "sme-1", status: str = "confirmed", face: int = 1000,
         maturity: str = "2026-06-30", currency: str = "CNY", recourse_to: str = "",
         guarantor: str = "") -> Certificate:
    root = cert_id.split(".")[0]
    parent = cert_id.rsplit(".", 1)[0] if "." in cert_id else ""
    return Certificate(cert_id, root, parent, "core-a", "sme-1", holder, face, currency,
                       maturity, status, [Backing("inv-1", face)] if not parent else [],
                       recourse_to, guarantor)


def test_parties_of_the_original_name_its_supplier_and_of_a_part_do_not() -> None:
    original = cert("c1", holder="bank-a", recourse_to="sme-1", guarantor="guar-1")
    assert q.parties(original) == {"core-a", "sme-1", "bank-a", "guar-1"}
    part = cert("c1.0", holder="sme-2")
    assert q.parties(part) == {"core-a", "sme-2"}  # the supplier has no say over a part


def test_unknown_to_lets_holder_and_debtor_act_and_refuses_others_as_unknown() -> None:
    state = DictState({cert_key("c1"): cert("c1", holder="sme-2")})
    assert q.unknown_to(state, "sme-2", {"id": "c1"}) is None
    assert q.unknown_to(state, "core-a", {"id": "c1"}) is None
    assert q.unknown_to(state, "bank-a", {"id": "c1"}) == ("id", "no certificate 'c1'")
    assert q.unknown_to(state, "bank-a", {"id": "nope"}) == ("id", "no certificate 'nope'")
    assert q.unknown_to(state, "bank-a", {"invoices": []}) is None  # names no certificate


def test_tx_orgs_adds_supplier_and_debtor_only_to_the_request_and_its_answer() -> None:
    state = DictState({cert_key("c1"): cert("c1", holder="bank-a")})
    named = {"id": {"c1", "gone"}}
    for action in ("issue", "confirm", "dispute"):
        assert q.tx_orgs(state, "receivable", action, named) == {"sme-1", "core-a"}
    assert q.tx_orgs(state, "receivable", "sell", named) == set()
    assert q.tx_orgs(state, "cash", "issue", named) == set()


def test_lineage_opens_ancestors_and_descendants_of_what_the_caller_may_open() -> None:
    family = [cert("c1", status="split"), cert("c1.0", status="split"),
              cert("c1.0.0", holder="sme-2"), cert("c1.0.1", holder="bank-a"),
              cert("c1.1", holder="sme-3"), cert("c10", holder="x")]
    tree, related = q.lineage(family, "c1", {"c1.0.1"})
    assert related == {"c1", "c1.0", "c1.0.1"}
    assert [p["id"] for p in tree["parts"]] == ["c1.0", "c1.1"]
    hidden = tree["parts"][1]
    assert hidden["holder"] == "" and hidden["face"] == 1000  # shape shown, holder not
    assert tree["parts"][0]["parts"][1]["holder"] == "bank-a"
    assert "c10" not in related  # another root, though its id starts with "c1"


def test_sale_price_is_what_the_contract_charges() -> None:
    quote = q.sale_price(cert("c1", face=1_000_000), 500, "2026-03-31", DayCount.ACT_360)
    assert quote.days == 91 and quote.day_count is DayCount.ACT_360
    assert (quote.discount, quote.price) == discounted_price(
        1_000_000, 500, day_number("2026-03-31"), day_number("2026-06-30"), DayCount.ACT_360)
    assert quote.price + quote.discount == quote.face
    assert q.sale_price(cert("c1"), 500, "2026-03-31", "30/360").day_count is DayCount.THIRTY_360


# 1,000,000.00 CNY at 4.50% a year, by hand. In minor units face × rate is
# 100,000,000 × 450 / 10,000 = 4,500,000 a year; the discount is that × the year fraction,
# half-even to the fen:
# - 90 days (2026-04-01 to 2026-06-30) ACT/365F: 4,500,000 × 90/365 = 1,109,589.04
#   → 11,095.89; ACT/360: 4,500,000 × 90/360 = 1,125,000 → 11,250.00.
# - 30/360 from 2026-01-31 to 2026-04-30, 89 actual days: a start on the 31st counts as
#   the 30th, so 3 months × 30 = 90 days / 360 → 1,125,000 → 11,250.00 (ACT/360 would
#   count 89 days: 11,125.00).
# - ACT/ACT (ISDA) from 2023-11-02 to 2024-01-31, 90 days: 60 in 2023 / 365 plus 30 in
#   2024, a leap year, / 366: 4,500,000 × (60/365 + 30/366) = 739,726.03 + 368,852.46
#   = 1,108,578.49 → 11,085.78 (ACT/365F: 11,095.89).
@pytest.mark.parametrize(("today", "maturity", "day_count", "days", "discount"), [
    ("2026-04-01", "2026-06-30", DayCount.ACT_365F, 90, 11_095_89),
    ("2026-04-01", "2026-06-30", DayCount.ACT_360, 90, 11_250_00),
    ("2026-01-31", "2026-04-30", DayCount.THIRTY_360, 89, 11_250_00),
    ("2023-11-02", "2024-01-31", DayCount.ACT_ACT, 90, 11_085_78),
])
def test_hand_checked_discounts_agree_with_quantlib(today: str, maturity: str,
                                                    day_count: DayCount, days: int,
                                                    discount: int) -> None:
    face = 1_000_000_00
    quote = q.sale_price(cert("c1", face=face, maturity=maturity), 450, today, day_count)
    assert (quote.days, quote.discount, quote.price) == (days, discount, face - discount)
    start, end = (ql.Date(int(d[8:]), int(d[5:7]), int(d[:4])) for d in (today, maturity))
    theirs = {DayCount.ACT_365F: ql.Actual365Fixed(), DayCount.ACT_360: ql.Actual360(),
              DayCount.THIRTY_360: ql.Thirty360(ql.Thirty360.BondBasis),
              DayCount.ACT_ACT: ql.ActualActual(ql.ActualActual.ISDA)}[day_count]
    fraction = theirs.yearFraction(start, end)
    ours = year_fraction(day_count, day_number(today), day_number(maturity))
    assert abs(ours - Fraction(fraction)) < Fraction(1, 10**12)
    assert round(face * 450 / 10_000 * fraction) == discount  # round(): half-even


@pytest.mark.parametrize(("certificate", "discount_rate_bp", "today", "day_count", "field",
                          "code"), [
    (cert("c1"), 500, "2026-03-31", "ACT/364", "day_count", "bad_args"),
    (cert("c1"), 500, "2026-03-31", "365", "day_count", "bad_args"),
    (cert("c1", status="requested"), 500, "2026-03-31", "ACT/365F", "cert_id", "conflict"),
    (cert("c1"), 500, "2026-02-30", "ACT/365F", "on", "bad_args"),
    (cert("c1"), 500, "2026-06-30", "ACT/365F", "cert_id", "conflict"),  # matures today
    (cert("c1"), 10_000, "2016-01-01", "ACT/365F", "discount_rate_bp", "bad_args"),  # no price
    (cert("c1"), 10_000, "2025-06-30", "30/360", "discount_rate_bp", "bad_args"),  # a year: 0
])
def test_sale_price_refuses_naming_the_field(certificate: Certificate, discount_rate_bp: int,
                                             today: str, day_count: str, field: str,
                                             code: str) -> None:
    with pytest.raises(q.PriceRefused) as caught:
        q.sale_price(certificate, discount_rate_bp, today, day_count)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.message.startswith(f"{field}: ")


def test_maturities_count_outstanding_certificates_per_month_and_currency() -> None:
    certs = [cert("a", face=100), cert("b", face=50, status="overdue"),
             cert("c", face=7, maturity="2026-07-01"), cert("d", face=1, status="settled"),
             cert("e", face=9, holder="sme-2", currency="USD")]
    assert q.maturities(certs, "sme-1", "holder") == [
        {"month": "2026-06", "currency": "CNY", "count": 2, "amount": 150},
        {"month": "2026-07", "currency": "CNY", "count": 1, "amount": 7}]
    assert q.maturities(certs, None, "holder")[1] == {
        "month": "2026-06", "currency": "USD", "count": 1, "amount": 9}
    owed = q.maturities(certs, "core-a", "debtor")
    assert [(b["month"], b["currency"], b["count"]) for b in owed] == [
        ("2026-06", "CNY", 2), ("2026-06", "USD", 1), ("2026-07", "CNY", 1)]
    assert q.maturities(certs, "sme-2", "debtor") == []


def test_daily_sales_sum_prices_per_day_and_currency() -> None:
    state = DictState({cert_key("a"): cert("a"), cert_key("b"): cert("b", currency="USD")})
    sales = [("2026-01-02", "a", 90), ("2026-01-01", "b", 5), ("2026-01-02", "a", 10),
             ("2026-01-02", "gone", 1)]
    assert q.daily_sales(state, sales) == [
        {"day": "2026-01-01", "currency": "USD", "count": 1, "amount": 5},
        {"day": "2026-01-02", "currency": "", "count": 1, "amount": 1},
        {"day": "2026-01-02", "currency": "CNY", "count": 2, "amount": 100}]
