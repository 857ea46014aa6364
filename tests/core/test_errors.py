"""Typed errors carry their field as a value, and receipts carry it onto the chain."""

from __future__ import annotations

from smechain.core.block import Receipt, receipt_hash
from smechain.core.crypto import get_suite
from smechain.core.encoding import decode, encode
from smechain.core.errors import Conflict, ContractError, TxRejected, Unauthorised


def test_a_contract_error_names_its_field_and_keeps_its_message() -> None:
    exc = Conflict("invoices[0]", "invoice 'x' is voided")
    assert (exc.code, exc.field, exc.reason) == ("conflict", "invoices[0]", "invoice 'x' is voided")
    assert exc.message == str(exc) == "invoices[0]: invoice 'x' is voided"
    whole = Unauthorised("", "split: only the holder 'a' may split 'c'")
    assert whole.field == "" and whole.message == "split: only the holder 'a' may split 'c'"
    assert ContractError("x", "y", code="custom").code == "custom"


def test_a_rejection_names_its_field() -> None:
    exc = TxRejected("bad_nonce", "nonce", "15 is replayed; expected 18")
    assert (exc.code, exc.field, exc.message) == (
        "bad_nonce", "nonce", "nonce: 15 is replayed; expected 18")


def test_the_field_is_the_receipts_last_element_and_its_hash_covers_it() -> None:
    suite = get_suite("ed25519")
    failed = Receipt(b"h" * 32, "conflict", "id: taken", [], "id")
    assert decode(encode(failed), list)[-1] == "id"
    assert receipt_hash(suite, failed) != receipt_hash(
        suite, Receipt(b"h" * 32, "conflict", "id: taken", [], "other"))
    assert decode(encode(Receipt(b"h" * 32, "ok")), list) == [b"h" * 32, "ok", "", [], ""]
