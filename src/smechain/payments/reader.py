"""Reading ISO 20022 credit transfers back: pacs.008.001.08, pain.001.001.09 and
pain.001.001.03, bare or in a Business Application Header envelope.

A file is either a bare ``Document`` or an envelope (CBPR+'s ``Envelope``, SWIFT's
``DataPDU``...) holding one ``AppHdr`` (``head.001``) and one ``Document``. The
``Document`` is validated against its official XSD (``iso20022.SCHEMAS``); the ``AppHdr``,
for which no registry package ships an XSD, is checked by its fields: its ``MsgDefIdr``
must name the message it wraps. Then the fields ``iso20022`` writes are read out, the
amount as exact minor units of its currency (ISO 4217 decimal places; an amount finer than
the currency's minor unit is refused, not rounded).

Anything else is refused with ``MessageError`` naming the element and the reason: a file
that is not well-formed XML, has a DTD (entities are never expanded), holds no ISO 20022
``Document``, holds another message (a camt.053, a pacs.009), or breaks its XSD.
"""

from __future__ import annotations

from lxml import etree

from smechain.core.currency import minor_units
from smechain.core.encoding import INT_MAX
from smechain.core.errors import BadArguments
from smechain.payments.iso20022 import (
    LEDGER_SCHEME,
    NS_PREFIX,
    PACS008,
    PAIN001,
    PAIN001_V3,
    USCC_ISSUER,
    USCC_SCHEME,
    AppHeader,
    CreditTransfer,
    Message,
    MessageError,
    Party,
    validate,
)

MAX_MESSAGE_BYTES = 16 * 2**20
"""Largest file read (a bulk pain.001 of some ten thousand transfers fits)."""
HEAD_PREFIX = NS_PREFIX + "head.001."
READS = (PACS008, PAIN001, PAIN001_V3)
"""The message definitions read here (each has its XSD in ``SCHEMAS``)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


class _Reader:
    """Finds elements by paths of local names in one namespace; XPaths for errors."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{tag}" for tag in path.split("/"))

    def find(self, el: etree._Element, path: str) -> etree._Element | None:
        return el.find(self.q(path))

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        return list(el.findall(self.q(path)))

    def text(self, el: etree._Element | None, path: str) -> str:
        if el is None:
            return ""
        found = el.find(self.q(path))
        return "" if found is None or found.text is None else found.text.strip()

    @staticmethod
    def where(el: etree._Element) -> str:
        """The XPath of ``el`` from ``Document`` (``/Document/.../CdtTrfTxInf[2]/...``)."""
        steps: list[str] = []
        node: etree._Element | None = el
        while node is not None:
            name = _local(node)
            parent = node.getparent()
            same = [] if parent is None else [c for c in parent if c.tag == node.tag]
            steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
            if name == "Document":
                break
            node = parent
        return "/" + "/".join(reversed(steps))

    def party(self, el: etree._Element | None, bic_tag: str) -> Party:
        if el is None:
            return Party("")
        org_id = self.find(el, "Id/OrgId")
        org = uscc = ""
        others: list[str] = []
        # an organisation's identifiers, or a person's (PrvtId/Othr: passport, customer no.)
        for other in self.all(el, "Id/OrgId/Othr") + self.all(el, "Id/PrvtId/Othr"):
            ident = self.text(other, "Id")
            code, proprietary = self.text(other, "SchmeNm/Cd"), self.text(other, "SchmeNm/Prtry")
            if proprietary == LEDGER_SCHEME and not org:
                org = ident
            elif code == USCC_SCHEME and self.text(other, "Issr") == USCC_ISSUER \
                    and len(ident) == 18 and not uscc:
                uscc = ident
            else:
                others.append(f"{code or proprietary}:{ident}")
        return Party(self.text(el, "Nm"), org, uscc, self.text(org_id, "LEI"),
                     self.text(org_id, bic_tag), tuple(others))

    def amount(self, el: etree._Element) -> tuple[int, str]:
        currency = el.get("Ccy", "")
        try:
            minor = minor_units((el.text or "").strip(), currency, "amount")
        except BadArguments as exc:
            raise MessageError(self.where(el), exc.reason) from None
        if minor > INT_MAX:
            raise MessageError(self.where(el), f"{minor} minor units is beyond the ledger's "
                               f"range (at most {INT_MAX})")
        return minor, currency

    def remittance(self, tx: etree._Element) -> str:
        return "\n".join((u.text or "").strip() for u in self.all(tx, "RmtInf/Ustrd"))


def read_message(data: bytes) -> Message:
    """The credit-transfer message in ``data`` (XML bytes), validated against its XSD.

    Raises ``MessageError`` naming the element at fault and the reason (see the module's
    docstring for what is refused)."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise MessageError("", f"{len(data)} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise MessageError("", f"not well-formed XML: {exc}") from None
    if tree.docinfo.doctype:
        raise MessageError("", "a DTD (<!DOCTYPE>) is refused: ISO 20022 messages have none")
    document, app_header = _parts(tree.getroot())
    ns = etree.QName(document).namespace or ""
    if not ns.startswith(NS_PREFIX):
        raise MessageError("/Document", f"namespace {ns[:80]!r} is no ISO 20022 message's")
    definition = ns.removeprefix(NS_PREFIX)
    if definition not in READS:
        raise MessageError("/Document", f"{definition[:40]} is no credit transfer read here "
                           f"(reads {', '.join(READS)})")
    header = None if app_header is None else _app_header(app_header, definition)
    validate(definition, document)
    r = _Reader(ns)
    if definition == PACS008:
        return _pacs008(r, document, header)
    return _pain001(r, document, header, definition)


def _parts(root: etree._Element) -> tuple[etree._Element, etree._Element | None]:
    """The ``Document`` and the ``AppHdr`` (if any) of a bare message or an envelope."""
    if _local(root) == "Document":
        return root, None
    documents = [el for el in root.iter() if _local(el) == "Document"]
    headers = [el for el in root.iter() if _local(el) == "AppHdr"]
    if len(documents) != 1:
        raise MessageError(f"/{_local(root)}", f"holds {len(documents)} Document elements; "
                           "an envelope holds one message")
    if len(headers) > 1:
        raise MessageError(f"/{_local(root)}", f"holds {len(headers)} AppHdr elements")
    return documents[0], headers[0] if headers else None


def _app_header(el: etree._Element, definition: str) -> AppHeader:
    ns = etree.QName(el).namespace or ""
    if not ns.startswith(HEAD_PREFIX):
        raise MessageError("/AppHdr", f"namespace {ns[:80]!r} is not head.001's")
    r = _Reader(ns)
    defined = r.text(el, "MsgDefIdr")
    if defined != definition:
        raise MessageError("/AppHdr/MsgDefIdr", f"{defined[:40]!r} does not name the message "
                           f"it wraps ({definition})")
    biz_msg_id = r.text(el, "BizMsgIdr")
    if not biz_msg_id:
        raise MessageError("/AppHdr/BizMsgIdr", "missing: a header identifies its message")
    return AppHeader(biz_msg_id, defined, r.text(el, "CreDt"),
                     r.text(el, "Fr/FIId/FinInstnId/BICFI"),
                     r.text(el, "To/FIId/FinInstnId/BICFI"), r.text(el, "BizSvc"))


def _pacs008(r: _Reader, document: etree._Element, header: AppHeader | None) -> Message:
    body = r.find(document, "FIToFICstmrCdtTrf")
    assert body is not None  # the XSD requires it
    group = r.find(body, "GrpHdr")
    transfers = []
    for tx in r.all(body, "CdtTrfTxInf"):
        amount_el = r.find(tx, "IntrBkSttlmAmt")
        assert amount_el is not None  # the XSD requires it
        amount, currency = r.amount(amount_el)
        transfers.append(CreditTransfer(
            r.text(tx, "PmtId/EndToEndId"), r.text(tx, "PmtId/UETR"), amount, currency,
            r.text(tx, "IntrBkSttlmDt") or r.text(group, "IntrBkSttlmDt"),
            r.party(r.find(tx, "Dbtr"), "AnyBIC"), r.party(r.find(tx, "Cdtr"), "AnyBIC"),
            r.text(tx, "DbtrAgt/FinInstnId/BICFI"), r.text(tx, "CdtrAgt/FinInstnId/BICFI"),
            r.remittance(tx)))
    return Message(PACS008, r.text(group, "MsgId"), r.text(group, "CreDtTm"),
                   tuple(transfers), header, r.text(group, "SttlmInf/SttlmMtd"))


def _pain001(r: _Reader, document: etree._Element, header: AppHeader | None,
             definition: str) -> Message:
    body = r.find(document, "CstmrCdtTrfInitn")
    assert body is not None  # the XSD requires it
    group = r.find(body, "GrpHdr")
    bic = "BIC" if definition == PAIN001_V3 else "BICFI"
    any_bic = "BICOrBEI" if definition == PAIN001_V3 else "AnyBIC"
    transfers = []
    for info in r.all(body, "PmtInf"):
        debtor = r.party(r.find(info, "Dbtr"), any_bic)
        debtor_agent = r.text(info, f"DbtrAgt/FinInstnId/{bic}")
        date = (r.text(info, "ReqdExctnDt") or r.text(info, "ReqdExctnDt/Dt")
                or r.text(info, "ReqdExctnDt/DtTm")[:10])
        for tx in r.all(info, "CdtTrfTxInf"):
            # the XSD requires one of the two: the instructed amount, or an equivalent
            # amount the bank converts into the currency of transfer
            amount_el = r.find(tx, "Amt/InstdAmt")
            if amount_el is None:
                amount_el = r.find(tx, "Amt/EqvtAmt/Amt")
            assert amount_el is not None
            amount, currency = r.amount(amount_el)
            transfers.append(CreditTransfer(
                r.text(tx, "PmtId/EndToEndId"), r.text(tx, "PmtId/UETR"), amount, currency,
                date, debtor, r.party(r.find(tx, "Cdtr"), any_bic), debtor_agent,
                r.text(tx, f"CdtrAgt/FinInstnId/{bic}"), r.remittance(tx),
                r.text(tx, "Amt/EqvtAmt/CcyOfTrf")))
    return Message(definition, r.text(group, "MsgId"), r.text(group, "CreDtTm"),
                   tuple(transfers), header,
                   initiating_party=r.party(r.find(group, "InitgPty"), any_bic))
