"""A ledger cash transfer as pacs.008 and pain.001: valid against the official XSDs, the
fields the ledger gives in the places the standard says, read back unchanged; anything the
XSD refuses is refused naming the element."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from smechain.payments.iso20022 import (
    PACS008,
    PAIN001,
    LedgerTransfer,
    MessageError,
    Party,
    credit_transfer,
    iso_date,
    iso_datetime,
    namespace,
    pacs008,
    pain001,
    uetr,
    validate,
)
from smechain.payments.reader import read_message

TX = hashlib.sha256(b"a committed cash.transfer").digest()
NOON = 1_767_268_800_123  # 2026-01-01T12:00:00.123Z
CORE = Party("Zhonghe Heavy Industries 中核重工", "core-a", "91310000MA1K000006",
             "5493001KJTIIGC8Y1R12")
SME = Party("Tier-1 Gearbox Co. 一级齿轮箱", "sme-t1", "91310000MA1K000107")
TRANSFER = LedgerTransfer(TX, NOON, "CNY", 12_345_678, CORE, SME, "PO 2026-118 advance")
DEBTOR_BANK, CREDITOR_BANK = "BKCHCNBJ", "ICBKCNBJ300"


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str:
    ns = root.nsmap[None]
    found = root.find("/".join(f"{{{ns}}}{t}" for t in path.split("/")))
    assert found is not None, path
    return str(found.text)


def test_the_uetr_is_a_uuid_v4_derived_from_the_transaction_hash() -> None:
    found = uuid.UUID(uetr(TX))
    assert found.version == 4 and found.variant == uuid.RFC_4122
    assert uetr(TX) == uetr(TX) != uetr(hashlib.sha256(b"another").digest())
    # the hash's bytes but the six version and variant bits
    assert found.bytes[:6] == TX[:6] and found.bytes[9:] == TX[9:16]
    assert found.bytes[6] & 0x0F == TX[6] & 0x0F and found.bytes[8] & 0x3F == TX[8] & 0x3F


def test_the_pacs008_carries_the_ledger_transfer_where_cbpr_plus_reads_it() -> None:
    root = tree(pacs008(TRANSFER, DEBTOR_BANK, CREDITOR_BANK))
    assert root.nsmap[None] == namespace(PACS008)
    body = "FIToFICstmrCdtTrf"
    tx = f"{body}/CdtTrfTxInf"
    assert text(root, f"{body}/GrpHdr/MsgId") == TX.hex()[:32]
    assert text(root, f"{body}/GrpHdr/CreDtTm") == "2026-01-01T12:00:00.123+00:00"
    assert text(root, f"{body}/GrpHdr/NbOfTxs") == "1"
    assert text(root, f"{body}/GrpHdr/SttlmInf/SttlmMtd") == "CLRG"
    assert text(root, f"{tx}/PmtId/EndToEndId") == TX.hex()[:32]
    assert text(root, f"{tx}/PmtId/UETR") == uetr(TX)
    amount = root.find(f".//{{{namespace(PACS008)}}}IntrBkSttlmAmt")
    assert amount is not None and (amount.text, amount.get("Ccy")) == ("123456.78", "CNY")
    assert text(root, f"{tx}/IntrBkSttlmDt") == "2026-01-01"
    assert text(root, f"{tx}/InstgAgt/FinInstnId/BICFI") == DEBTOR_BANK
    assert text(root, f"{tx}/DbtrAgt/FinInstnId/BICFI") == DEBTOR_BANK
    assert text(root, f"{tx}/InstdAgt/FinInstnId/BICFI") == CREDITOR_BANK
    assert text(root, f"{tx}/CdtrAgt/FinInstnId/BICFI") == CREDITOR_BANK
    assert text(root, f"{tx}/Dbtr/Nm") == CORE.name
    assert text(root, f"{tx}/Dbtr/Id/OrgId/LEI") == CORE.lei
    assert text(root, f"{tx}/Cdtr/Nm") == SME.name
    assert text(root, f"{tx}/CdtrAcct/Ccy") == "CNY"
    assert text(root, f"{tx}/RmtInf/Ustrd") == "PO 2026-118 advance"


def test_the_pain001_is_the_debtors_instruction_to_its_bank() -> None:
    root = tree(pain001(TRANSFER, DEBTOR_BANK))
    assert root.nsmap[None] == namespace(PAIN001)
    body = "CstmrCdtTrfInitn"
    assert text(root, f"{body}/GrpHdr/CtrlSum") == "123456.78"
    assert text(root, f"{body}/GrpHdr/InitgPty/Nm") == CORE.name
    assert text(root, f"{body}/PmtInf/ReqdExctnDt/Dt") == "2026-01-01"
    assert text(root, f"{body}/PmtInf/DbtrAgt/FinInstnId/BICFI") == DEBTOR_BANK
    assert text(root, f"{body}/PmtInf/CdtTrfTxInf/PmtId/UETR") == uetr(TX)
    # the creditor's bank is optional in an initiation: none named, none written
    assert root.find(f".//{{{namespace(PAIN001)}}}CdtrAgt") is None


def test_both_messages_read_back_into_the_fields_they_were_made_of() -> None:
    pacs = read_message(pacs008(TRANSFER, DEBTOR_BANK, CREDITOR_BANK))
    assert (pacs.definition, pacs.msg_id, pacs.created, pacs.settlement_method) == (
        PACS008, TX.hex()[:32], iso_datetime(NOON), "CLRG")
    assert pacs.transfers == (credit_transfer(TRANSFER, DEBTOR_BANK, CREDITOR_BANK),)
    pain = read_message(pain001(TRANSFER, DEBTOR_BANK, CREDITOR_BANK))
    assert pain.transfers == pacs.transfers and pain.initiating_party == CORE
    only_debtor_bank = read_message(pain001(TRANSFER, DEBTOR_BANK)).transfers[0]
    assert only_debtor_bank == credit_transfer(TRANSFER, DEBTOR_BANK)
    assert only_debtor_bank.creditor_agent == ""


parties = st.builds(
    Party, name=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                        min_size=1, max_size=140).filter(lambda s: s.strip() == s),
    org=st.from_regex(r"[a-z0-9][a-z0-9._-]{0,33}", fullmatch=True),
    uscc=st.sampled_from(["", "91310000MA1K000006"]),
    lei=st.sampled_from(["", "5493001KJTIIGC8Y1R12"]))


@settings(max_examples=40, deadline=None)
@given(tx=st.binary(min_size=32, max_size=32), ms=st.integers(0, 4_102_444_800_000),
       currency=st.sampled_from(["CNY", "USD", "JPY", "KWD", "EUR"]),
       amount=st.integers(1, 10**15), debtor=parties, creditor=parties,
       memo=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                    max_size=140).filter(lambda s: s.strip() == s))
def test_any_transfer_round_trips_exactly(tx: bytes, ms: int, currency: str, amount: int,
                                          debtor: Party, creditor: Party, memo: str) -> None:
    transfer = LedgerTransfer(tx, ms, currency, amount, debtor, creditor, memo)
    expected = credit_transfer(transfer, DEBTOR_BANK, CREDITOR_BANK)
    assert read_message(pacs008(transfer, DEBTOR_BANK, CREDITOR_BANK)).transfers == (expected,)
    assert read_message(pain001(transfer, DEBTOR_BANK, CREDITOR_BANK)).transfers == (expected,)
    assert expected.date == iso_date(ms)


@pytest.mark.parametrize(("change", "element", "reason"), [
    # 2^63 - 1 fen is 19 digits: the XSD's amounts have at most 18
    ({"amount": 2**63 - 1}, "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt",
     "digits"),
    ({"debtor": Party("x" * 141, "core-a")},
     "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Dbtr/Nm", "length"),
    ({"creditor": Party("SME", "s" * 36)},
     "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Cdtr/Id/OrgId/Othr/Id", "length"),
    ({"currency": "cny"}, "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt",
     "pattern"),
])
def test_what_the_xsd_refuses_is_never_returned_and_the_error_names_the_element(
        change: dict[str, object], element: str, reason: str) -> None:
    transfer = LedgerTransfer(**{**{f: getattr(TRANSFER, f) for f in TRANSFER.__slots__},
                                 **change})  # type: ignore[arg-type]
    with pytest.raises(MessageError) as caught:
        pacs008(transfer, DEBTOR_BANK, CREDITOR_BANK)
    assert caught.value.element == element
    assert reason in caught.value.reason


def test_a_memo_xml_cannot_carry_is_refused_naming_the_element() -> None:
    transfer = LedgerTransfer(TX, NOON, "CNY", 1, CORE, SME, "advance\x01")
    with pytest.raises(MessageError) as caught:
        pacs008(transfer, DEBTOR_BANK, CREDITOR_BANK)
    assert caught.value.element == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/RmtInf/Ustrd"


@pytest.mark.parametrize("bic", ["BKCH", "bkchcnbj", "BKCHCNBJ30", "BKCH CNBJ", ""])
def test_a_bad_bic_is_refused_naming_the_argument(bic: str) -> None:
    with pytest.raises(MessageError) as caught:
        pacs008(TRANSFER, DEBTOR_BANK, bic)
    assert caught.value.element == "creditor_agent" and "not a BIC" in caught.value.reason
    with pytest.raises(MessageError) as caught:
        pain001(TRANSFER, bic)
    assert caught.value.element == "debtor_agent"


def test_validation_is_the_official_schema_a_broken_document_is_refused() -> None:
    root = tree(pacs008(TRANSFER, DEBTOR_BANK, CREDITOR_BANK))
    validate(PACS008, root)  # as generated: valid
    ns = namespace(PACS008)
    tx = root.find(f".//{{{ns}}}CdtTrfTxInf")
    assert tx is not None
    debtor = tx.find(f"{{{ns}}}Dbtr")
    assert debtor is not None
    tx.remove(debtor)  # Dbtr is mandatory in FIToFICustomerCreditTransferV08
    with pytest.raises(MessageError) as caught:
        validate(PACS008, root)
    assert caught.value.element.startswith("/Document/FIToFICstmrCdtTrf/CdtTrfTxInf")
    assert "Dbtr" in caught.value.reason
    # and the same document as a pain.001 is not one
    with pytest.raises(MessageError):
        validate(PAIN001, tree(pacs008(TRANSFER, DEBTOR_BANK, CREDITOR_BANK)))
