"""ISO 4217 minor units: how many decimal places a currency's amounts have, and exact
conversions between integer minor units and the decimal text messages carry.

The ledger holds money as an integer count of the currency's minor unit (fen, cent);
documents and payment messages write it as a decimal number of major units
(``1234.56``). Both directions here are exact string arithmetic, never floats: an amount
with more decimal places than its currency has is refused, not rounded.
"""

from __future__ import annotations

import re

from smechain.core.errors import BadArguments

MINOR_DIGITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3, "CLF": 4, "UYW": 4,
}
"""ISO 4217 currencies whose minor unit is not 2 decimal places (its "minor unit" column);
every other code has 2."""

_DECIMAL = re.compile(r"^(\d+)(?:\.(\d+))?$", re.ASCII)


def minor_digits(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (ISO 4217): 2 unless ``MINOR_DIGITS``
    says otherwise (0 for JPY, 3 for KWD)."""
    return MINOR_DIGITS.get(currency, 2)


def amount_text(minor: int, currency: str) -> str:
    """``minor`` units of ``currency`` as a decimal number of major units with exactly the
    currency's decimal places: ``123456`` CNY is ``"1234.56"``, ``500`` JPY ``"500"``.
    ``minor`` must not be negative (``ValueError``)."""
    if minor < 0:
        raise ValueError(f"amount: {minor} is negative")
    digits = minor_digits(currency)
    if digits == 0:
        return str(minor)
    text = str(minor).rjust(digits + 1, "0")
    return f"{text[:-digits]}.{text[-digits:]}"


def minor_units(text: str, currency: str, field: str = "amount") -> int:
    """The exact count of ``currency``'s minor units that the decimal ``text`` (major units,
    no sign, no exponent: ``"1234.5"``) stands for.

    Raises ``BadArguments`` naming ``field`` when ``text`` is no such decimal, or has a
    non-zero digit past the currency's decimal places (``"1.005"`` EUR is no whole number
    of cents; ``"1.050"`` is 105 cents)."""
    m = _DECIMAL.match(text)
    if m is None:
        raise BadArguments(field, f"{text[:40]!r} is not a decimal amount")
    whole, fraction = m[1], (m[2] or "")
    digits = minor_digits(currency)
    if fraction[digits:].strip("0"):
        raise BadArguments(field, f"{text} {currency} is not a whole number of minor units "
                           f"({currency} has {digits} decimal places)")
    return int(whole + fraction[:digits].ljust(digits, "0"))
