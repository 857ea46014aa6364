"""ISO 4217 decimal places and exact amount text: minor units to decimal and back, no
rounding, no floats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smechain.core.currency import amount_text, minor_digits, minor_units
from smechain.core.errors import BadArguments


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (12_345_678, "CNY", "123456.78"), (5, "CNY", "0.05"), (100, "USD", "1.00"),
    (0, "EUR", "0.00"), (500, "JPY", "500"), (1, "KWD", "0.001"), (12_345, "BHD", "12.345"),
    (1, "CLF", "0.0001"), (9_223_372_036_854_775_807, "CNY", "92233720368547758.07"),
])
def test_minor_units_as_decimal_text_with_the_currencys_places(minor: int, currency: str,
                                                                text: str) -> None:
    assert amount_text(minor, currency) == text
    assert minor_units(text, currency) == minor


def test_places_follow_iso_4217() -> None:
    assert [minor_digits(c) for c in ("CNY", "EUR", "JPY", "KRW", "KWD", "TND", "CLF")] == [
        2, 2, 0, 0, 3, 3, 4]


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("1000", "EUR", 100_000), ("1000.5", "EUR", 100_050), ("1.050", "EUR", 105),
    ("007.10", "CNY", 710), ("12.000", "JPY", 12),
])
def test_decimal_text_with_fewer_or_zero_padded_places_is_exact(text: str, currency: str,
                                                                minor: int) -> None:
    assert minor_units(text, currency) == minor


@pytest.mark.parametrize(("text", "currency", "reason"), [
    ("1.005", "EUR", "not a whole number of minor units"),
    ("12.5", "JPY", "JPY has 0 decimal places"),
    ("1e3", "EUR", "not a decimal amount"), ("-1.00", "EUR", "not a decimal amount"),
    ("", "EUR", "not a decimal amount"), ("1.", "EUR", "not a decimal amount"),
    ("١٢", "EUR", "not a decimal amount"),  # Arabic-Indic digits are no ASCII decimal
])
def test_amounts_finer_than_the_minor_unit_or_not_decimal_are_refused_naming_the_field(
        text: str, currency: str, reason: str) -> None:
    with pytest.raises(BadArguments) as caught:
        minor_units(text, currency, "IntrBkSttlmAmt")
    assert caught.value.field == "IntrBkSttlmAmt" and reason in caught.value.reason


@given(st.integers(0, 2**63 - 1), st.sampled_from(["CNY", "JPY", "KWD", "CLF", "XYZ"]))
def test_text_and_minor_units_round_trip(minor: int, currency: str) -> None:
    text = amount_text(minor, currency)
    assert minor_units(text, currency) == minor
    assert text.count(".") == (1 if minor_digits(currency) else 0)


def test_a_negative_amount_has_no_text() -> None:
    with pytest.raises(ValueError, match="negative"):
        amount_text(-1, "CNY")
