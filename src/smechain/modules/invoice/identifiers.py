"""Party identifiers as e-invoices carry them, and the one validation both importer and ledger use.

An identifier is written ``SCHEME:value``. The scheme says which register
issued the value, so two registers' equal values never meet:

* ``VAT``: VAT identifier, country prefix + number (EN 16931 BT-31, BT-48, BT-63);
* ``TAX``: local tax registration, e.g. a German Steuernummer (BT-32, CII ``FC``);
* ``USCC``: China unified social credit code, 18 characters, check character
  verified (GB 32100-2015);
* ``CN-TIN``: China taxpayer id of 15, 17 or 20 characters (纳税人识别号);
* ``LEGAL``: a legal registration id given without a scheme (BT-30, BT-47);
* ``0002``-``9999``: ISO 6523 ICD / EAS codes (BT-29, BT-30, BT-34, BT-46, BT-47,
  BT-49); ``0088`` is a GLN, its GS1 check digit verified;
* ``EM``: an e-mail electronic address (EAS code ``EM``, BT-34, BT-49).

A name is never an identifier, and neither is a party identifier without a
scheme (a seller's customer number is no identity outside that seller).
:func:`normalise` turns what a document says into the canonical form;
:func:`check_identifier` accepts only the canonical form. The importer uses
the first, the ledger the second, so a file the importer accepts is never
refused by the ledger for its identifiers.
"""

from __future__ import annotations

import re

from stdnum import ean
from stdnum.cn import uscc

from smechain.core.errors import BadArguments

ICD = re.compile(r"^\d{4}$")
NAMED_SCHEMES = frozenset({"VAT", "TAX", "USCC", "CN-TIN", "LEGAL", "EM"})
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")
_TAX = re.compile(r"^(?=.*\d)[0-9A-Za-z][0-9A-Za-z/.\-]{1,39}$")
_CN_TIN = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_CODE = re.compile(r"^[\x21-\x7e]{1,80}$")
MAX_IDENTIFIER = 120


def normalise(scheme: str, value: str) -> str:
    """The canonical ``SCHEME:value`` of what a document says, or ``BadArguments`` saying why not.

    Spaces, dots and dashes are dropped from VAT ids and China codes, letters
    upper-cased there; white space is dropped from tax numbers, registration
    ids and ISO 6523 ids (``HRB 12345`` is ``HRB12345``); e-mail addresses are
    lower-cased; nothing else is changed. ``scheme`` is upper-cased; ``VA`` and
    ``FC`` (CII) mean VAT and TAX.
    """
    scheme = {"VA": "VAT", "FC": "TAX"}.get(scheme.strip().upper(), scheme.strip().upper())
    value = value.strip()
    if scheme in ("VAT", "USCC", "CN-TIN"):
        value = re.sub(r"[\s.\-]", "", value).upper()
    elif scheme == "EM":
        value = value.lower()
    elif scheme == "TAX" or scheme == "LEGAL" or ICD.match(scheme):
        value = re.sub(r"\s", "", value)
    if scheme in ("USCC", "CN-TIN") and value:
        scheme = "USCC" if len(value) == 18 else "CN-TIN"
    identifier = f"{scheme}:{value}"
    check_identifier(identifier)
    return identifier


def check_identifier(identifier: str, field: str = "identifier") -> tuple[str, str]:
    """Split a canonical identifier into ``(scheme, value)``.

    Raises ``BadArguments`` naming ``field`` when the scheme is unknown, the value is
    empty, not in canonical
    form, or fails its register's check digit (USCC, GLN).
    """
    scheme, sep, value = identifier.partition(":")
    if not sep or not value:
        raise BadArguments(field, f"{identifier!r} is not SCHEME:value")
    if len(identifier) > MAX_IDENTIFIER:
        raise BadArguments(field, f"longer than {MAX_IDENTIFIER} characters")
    if scheme not in NAMED_SCHEMES and not ICD.match(scheme):
        raise BadArguments(field, f"scheme {scheme!r} is not VAT, TAX, USCC, CN-TIN, LEGAL, "
                           "EM or a four-digit ISO 6523 code")
    reason = _value_fault(scheme, value)
    if reason:
        raise BadArguments(field, f"{identifier!r} {reason}")
    return scheme, value


def _value_fault(scheme: str, value: str) -> str:
    """Why ``value`` is not a canonical value of ``scheme``; empty when it is."""
    if scheme == "VAT":
        return "" if _VAT.match(value) else "is not a VAT id (country prefix and 2-13 characters)"
    if scheme == "TAX":
        return "" if _TAX.match(value) else "is not a tax number"
    if scheme == "USCC":
        if len(value) != 18 or not uscc.is_valid(value):
            return ("is not a valid unified social credit code "
                    "(18 characters, GB 32100-2015 check character)")
        return ""
    if scheme == "CN-TIN":
        return "" if _CN_TIN.match(value) else "is not a 15, 17 or 20 character taxpayer id"
    if scheme == "EM":
        return "" if _EMAIL.match(value) and value == value.lower() else "is not an e-mail address"
    if not _CODE.match(value):
        return "has spaces, control characters or more than 80 characters"
    if scheme == "0088" and not (len(value) == 13 and ean.is_valid(value)):
        return "is not a GLN (13 digits, GS1 check digit)"
    return ""
