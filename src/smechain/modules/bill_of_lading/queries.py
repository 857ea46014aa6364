"""Reads over bills of lading: who possesses and holds one, who it concerns, its transfer
chain (checked link by link and against the bill, and shown as PINT transactions).

Pure: each function takes a state reader (``StateReader``: ``get(key)``) or records
already read, and plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smechain.core.encoding import shown
from smechain.core.state import StateReader
from smechain.modules.bill_of_lading.contract import (
    LIVE,
    Bill,
    ChainEntry,
    Code,
    Endorsement,
    Request,
    Status,
    entry_checksum,
    read_bill,
    read_entry,
    read_request,
)

NAMES = frozenset({"id", "request", "amended"})
"""Argument and event fields ``tx_orgs`` reads: bill ids, surrender request ids, the
bill an amendment issued."""

SURRENDER_CODES = frozenset({Code.SURRENDER_FOR_DELIVERY, Code.SURRENDER_FOR_AMENDMENT})


def parties(bill: Bill) -> set[str]:
    """The organisations a bill concerns: its carrier, shipper, consignee, every endorsee
    and possessor it has had (``Bill.parties``). They see the bill and its whole chain,
    as the holder of a paper bill sees every endorsement on its back."""
    return set(bill.parties)


def holder(bill: Bill) -> str:
    """The bill's holder (DCSA: who may surrender it): for a live to-order bill the
    possessor when it is the named endorsee or the bill is a bearer bill; for a live
    straight bill its possessor; ``""`` when none (the carrier holds it, or the possessor
    is not the named endorsee)."""
    if bill.status != Status.ISSUED:
        return ""
    if bill.document.to_order and bill.endorsee not in ("", bill.possessor):
        return ""
    return bill.possessor


def possessor(bill: Bill) -> str:
    """The one organisation in possession of a live bill; ``""`` for an accomplished or
    replaced bill (the carrier keeps it, void)."""
    return bill.possessor if bill.status in LIVE else ""


def chain(state: StateReader, bill: Bill) -> list[ChainEntry]:
    """The bill's transfer chain, oldest first (as many entries as it records)."""
    found = []
    for seq in range(bill.chain_length):
        entry = read_entry(state, bill.id, seq)
        if entry is None:
            break
        found.append(entry)
    return found


def chain_problems(bill: Bill, entries: list[ChainEntry]) -> list[str]:
    """What is wrong with a bill's chain, as a receiving PINT platform checks an envelope:
    ``[]`` when it is whole. Each entry must follow the one before (``seq``, ``previous``
    = its checksum), carry the bill's document checksum and start with ``ISSUE`` by the
    carrier; after ``SACC`` nothing may follow; the last entry's checksum is the bill's
    ``chain_head``; and replaying the moves gives the bill's possessor and endorsee."""
    problems: list[str] = []
    if len(entries) != bill.chain_length:
        problems.append(f"{len(entries)} entries, the bill records {bill.chain_length}")
    previous = b""
    for n, e in enumerate(entries):
        where = f"entry {n}"
        if e.bill != bill.id or e.seq != n:
            problems.append(f"{where}: is entry {e.seq} of {shown(e.bill)!r}")
        if e.previous != previous:
            problems.append(f"{where}: previous checksum does not match entry {n - 1}")
        if e.document_checksum != bill.document.digest:
            problems.append(f"{where}: document checksum differs from the bill's")
        if (n == 0) != (e.action is Code.ISSUE):
            problems.append(f"{where}: {e.action} " + (
                "where ISSUE must come first" if n == 0 else "after the first entry"))
        if n == 0 and e.actor != bill.carrier:
            problems.append(f"{where}: issued by {e.actor!r}, not the carrier")
        if n and entries[n - 1].action is Code.SACC:
            problems.append(f"{where}: follows an accepted surrender (SACC)")
        previous = entry_checksum(e)
    if entries and previous != bill.chain_head:
        problems.append("the last entry's checksum is not the bill's chain head")
    if entries and (entries[-1].possessor, entries[-1].endorsee) != (bill.possessor,
                                                                   bill.endorsee):
        problems.append(f"the chain ends with {entries[-1].possessor!r} in possession "
                        f"(endorsee {entries[-1].endorsee!r}); the bill says "
                        f"{bill.possessor!r} ({bill.endorsee!r})")
    return problems


def transactions(entry: ChainEntry) -> list[dict[str, Any]]:
    """One chain entry as PINT ``Transaction``s: an endorsed transfer is the endorsement
    (``ENDORSE_TO_ORDER``, ``ENDORSE`` or ``BLANK_ENDORSE``, whose recipient is the
    endorsee; none for a blank one) followed by the ``TRANSFER`` of possession."""
    def one(code: str, recipient: str) -> dict[str, Any]:
        tx: dict[str, Any] = {"actionCode": code, "actor": entry.actor,
                              "timestamp": entry.at_ms}
        if recipient:
            tx["recipient"] = recipient
        return tx

    if entry.endorsement is Endorsement.NONE:
        return [one(entry.action.value, entry.recipient)]
    endorsed = "" if entry.endorsement is Endorsement.BLANK else entry.recipient
    return [one(entry.action.value, endorsed), one(Code.TRANSFER.value, entry.recipient)]


def pint_chain(entries: list[ChainEntry]) -> list[dict[str, Any]]:
    """The chain as PINT ``EnvelopeTransferChainEntry`` payloads: the document checksum,
    the previous entry's checksum (absent on the first), the transactions, and the ledger
    transaction that carries the acting organisation's signature (``signedBy``: its hash,
    height and signer)."""
    out = []
    for e in entries:
        doc: dict[str, Any] = {"transportDocumentChecksum": e.document_checksum.hex()}
        if e.previous:
            doc["previousEnvelopeTransferChainEntrySignedContentChecksum"] = e.previous.hex()
        doc["transactions"] = transactions(e)
        doc["checksum"] = entry_checksum(e).hex()
        doc["signedBy"] = {"org": e.actor, "tx_hash": e.tx_hash.hex(), "height": e.height}
        out.append(doc)
    return out


def bills_of(bills: Iterable[Bill], org: str, role: str = "any") -> list[Bill]:
    """The bills ``org`` issued (``role="carrier"``), possesses now (``"possessor"``) or
    is a party to (``"any"``), newest first."""
    def concerns(b: Bill) -> bool:
        if role == "carrier":
            return b.carrier == org
        if role == "possessor":
            return b.possessor == org and b.status in LIVE
        return org in b.parties

    return sorted((b for b in bills if concerns(b)), key=lambda b: (-b.issued_at_ms, b.id))


def open_request(state: StateReader, bill: Bill) -> Request | None:
    """The bill's open surrender request, while one is."""
    return read_request(state, bill.surrender) if bill.surrender else None


def bill_orgs(state: StateReader, bill_id: str) -> set[str]:
    """``parties`` of bill ``bill_id``; empty when there is none."""
    bill = read_bill(state, bill_id)
    return set() if bill is None else parties(bill)


def unknown_to(state: StateReader, org: str, args: Mapping[str, Any]
               ) -> tuple[str, str] | None:
    """``(field, reason)`` to refuse, as for an unknown id, ``org``'s action on a bill
    (``args["id"]``) or surrender request (``args["request"]``) it is no party to, so a
    refusal never tells a stranger that a bill exists; ``None`` when it may act."""
    bill_id, request_id = args.get("id"), args.get("request")
    if isinstance(bill_id, str):
        if org in bill_orgs(state, bill_id):
            return None
        return "id", f"no bill of lading {shown(bill_id)!r}"
    if isinstance(request_id, str):
        request = read_request(state, request_id)
        if request is not None and org in bill_orgs(state, request.bill):
            return None
        return "request", f"no surrender request {shown(request_id)!r}"
    return None


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``bill_of_lading`` transaction concerns: the parties of each
    bill it names (``id``, ``amended``) and of the bill of each surrender request."""
    if contract != "bill_of_lading":
        return set()
    found: set[str] = set()
    for bill_id in named.get("id", set()) | named.get("amended", set()):
        found |= bill_orgs(state, bill_id)
    for request_id in named.get("request", ()):
        request = read_request(state, request_id)
        if request is not None:
            found |= bill_orgs(state, request.bill)
    return found
