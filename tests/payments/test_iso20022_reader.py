"""Reading the shared ISO 20022 samples (CBPR+ 2025 and 2026, and moov's pain.001 and
camt.053 files): each credit transfer is read, validated against its XSD, into exact
fields; each other message is refused with its reason. Bad files are refused naming the
element."""

from __future__ import annotations

import uuid

import pytest

from shared_data import DATA
from smechain.payments.iso20022 import PACS008, PAIN001, PAIN001_V3, MessageError
from smechain.payments.reader import read_message

FOLDER = DATA / "payments" / "iso20022"
NOT_READ = "is no credit transfer read here"
CBPR = {
    "camt.052.max.xml": NOT_READ, "camt.052.min.xml": NOT_READ,
    "camt.054.max.xml": NOT_READ, "camt.054.min.xml": NOT_READ,
    "pacs.002.max.xml": NOT_READ, "pacs.002.min.xml": NOT_READ,
    "pacs.004.max.xml": NOT_READ, "pacs.004.min.xml": NOT_READ,
    "pacs.008.max.xml": PACS008, "pacs.008.min.xml": PACS008,
    "pacs.008_stp.max.xml": PACS008, "pacs.008_stp.min.xml": PACS008,
    "pacs.009.max.xml": NOT_READ, "pacs.009.min.xml": NOT_READ,
    "pacs.009_adv.max.xml": NOT_READ, "pacs.009_adv.min.xml": NOT_READ,
    "pacs.009_cov.max.xml": NOT_READ, "pacs.009_cov.min.xml": NOT_READ,
    "pain.001.max.xml": PAIN001, "pain.001.min.xml": PAIN001,
}
EXPECTED = {
    **{f"cbpr-plus/{year}/{name}": outcome for year in ("y2025", "y2026")
       for name, outcome in CBPR.items()},
    "moov/International_payment_RUB_naujas_1.xml": PAIN001_V3,
    "moov/International_payment_USD_naujas_1.xml": PAIN001_V3,
    "moov/gistfile1.xml": PAIN001_V3,
    "moov/sepa_payment_naujas_1.xml": PAIN001_V3,
    # SIX's Swiss variant has a namespace of its own, and no schema of ISO's
    "moov/musterfile_pain.001_Nov2020.xml": "is no ISO 20022 message's",
    "moov/FI_camt_053_sample.xml.xml": NOT_READ,
    "moov/statement_1.xml": NOT_READ,
    "moov/camt.053_P_CH2909000000250094239_1110092698_0_2020112503071366.xml": NOT_READ,
}
"""Each shared file: the message definition it is read as, or why it is refused."""


def samples() -> list[str]:
    return sorted(p.relative_to(FOLDER).as_posix() for p in FOLDER.rglob("*.xml"))


def test_every_shared_sample_has_an_expected_outcome() -> None:
    assert samples() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shared_sample_is_read_or_refused_with_its_reason(name: str) -> None:
    data = (FOLDER / name).read_bytes()
    outcome = EXPECTED[name]
    if outcome not in (PACS008, PAIN001, PAIN001_V3):
        with pytest.raises(MessageError) as caught:
            read_message(data)
        assert caught.value.element == "/Document" and outcome in caught.value.reason
        return
    message = read_message(data)
    assert message.definition == outcome and message.msg_id and message.transfers
    for t in message.transfers:
        assert t.amount > 0 and len(t.currency) == 3 and t.end_to_end_id
        assert len(t.date) == 10
        if outcome == PACS008:  # Dbtr/Nm is optional in an initiation, not in CBPR+
            assert t.debtor.name
        if outcome != PAIN001_V3:  # UETR came with the 2019 versions
            assert uuid.UUID(t.uetr).version == 4
    if name.startswith("cbpr-plus/"):  # CBPR+ messages travel in an AppHdr envelope
        assert message.header is not None and message.header.definition == outcome
        assert message.header.biz_msg_id == "EXMsgId"


@pytest.mark.parametrize("year", ["y2025", "y2026"])
def test_the_cbpr_plus_pacs008_max_sample_reads_into_its_fields(year: str) -> None:
    message = read_message((FOLDER / "cbpr-plus" / year / "pacs.008.max.xml").read_bytes())
    assert message.settlement_method == "INDA"
    assert message.header is not None and message.header.service == "swift.cbprplus.03"
    [t] = message.transfers
    assert (t.amount, t.currency, t.date, t.end_to_end_id) == (
        100_000, "EUR", "2026-01-01", "EXEndToEndId")  # 1000.00 EUR is 100,000 cents
    assert (t.debtor.name, t.creditor.name) == ("EXNm", "EXNm")
    assert t.debtor_agent == message.header.sender_bic
    assert t.creditor_agent == message.header.receiver_bic
    assert t.debtor.other_ids == ("EXCd:EXId",)  # a person's id (PrvtId)


def test_an_equivalent_amount_is_read_with_its_currency_of_transfer() -> None:
    message = read_message((FOLDER / "cbpr-plus/y2026/pain.001.max.xml").read_bytes())
    [t] = message.transfers
    assert (t.amount, t.currency, t.transfer_currency) == (100_000, "EUR", "EUR")


def test_a_bulk_initiation_reads_every_transfer_in_its_currencys_units() -> None:
    message = read_message((FOLDER / "moov/gistfile1.xml").read_bytes())
    assert [(t.amount, t.currency, t.creditor_agent) for t in message.transfers] == [
        (10_000_000, "JPY", "AAAAGB2L"),  # JPY has no minor unit: 10,000,000 yen
        (50_000_000, "EUR", "DDDDBEBB"),
        (100_000_000, "USD", "BBBBUS66")]
    assert {t.debtor_agent for t in message.transfers} == {"BBBBUS33"}


def _min_sample() -> str:
    return (FOLDER / "cbpr-plus/y2026/pacs.008.min.xml").read_text()


@pytest.mark.parametrize(("edit", "element", "reason"), [
    (("<MsgDefIdr>pacs.008.001.08<", "<MsgDefIdr>pacs.009.001.08<"), "/AppHdr/MsgDefIdr",
     "does not name the message it wraps"),
    (("<BizMsgIdr>EXMsgId</BizMsgIdr>", ""), "/AppHdr/BizMsgIdr", "missing"),
    (("<UETR>00000000-0000-4000-b221-3244f5d5c293<", "<UETR>not-a-uuid<"),
     "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/PmtId/UETR", "pattern"),
    ((">1000.00<", ">1000.001<"), "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt",
     "not a whole number of minor units"),
    (("<SttlmMtd>INDA</SttlmMtd>", "<SttlmMtd>CASH</SttlmMtd>"),
     "/Document/FIToFICstmrCdtTrf/GrpHdr/SttlmInf/SttlmMtd", "must be one of"),
    (("<Dbtr>", "<Debitor>"), "", "not well-formed XML"),
    (("<Envelope>", "<!DOCTYPE Envelope [<!ENTITY x 'y'>]><Envelope>"), "", "DTD"),
    (("</Envelope>", "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08'/>"
                     "</Envelope>"), "/Envelope", "holds 2 Document elements"),
])
def test_a_broken_message_is_refused_naming_the_element(
        edit: tuple[str, str], element: str, reason: str) -> None:
    original = _min_sample()
    assert edit[0] in original
    with pytest.raises(MessageError) as caught:
        read_message(original.replace(edit[0], edit[1], 1).encode())
    assert caught.value.element == element
    assert reason in caught.value.reason


def test_a_file_over_the_limit_is_refused_unread() -> None:
    with pytest.raises(MessageError, match="limit"):
        read_message(b" " * (16 * 2**20 + 1))
