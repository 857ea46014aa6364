"""A committed cash transfer as ISO 20022 messages (off-ledger: ``Module.offledger``).

Reads one committed ``cash.transfer`` from a ledger (a running node or a data folder's
``LedgerView``) and hands ``smechain.payments.iso20022`` what the ledger knows of it:

- the amount, currency, payer (``sender``) and payee (``to``) from its ``Transferred``
  event, the memo from its arguments, the block's timestamp;
- each organisation's name (membership, as the ledger holds it now), its USCC (the first
  ``USCC:`` identifier it registered, ``invoice.queries.registered_uscc``) and its LEI
  (the first ``0199:`` identifier: ISO 6523 ICD 0199 is the LEI).

The BICs of the banks that service the two organisations' accounts are not on the ledger
(it records wallets, not which bank keeps whose account), so the caller names them
(``debtor_agent``, ``creditor_agent``), as the organisation or its bank knows them.
"""

from __future__ import annotations

from smechain.core.encoding import shown
from smechain.core.errors import NotFound
from smechain.core.tx import decode_tx
from smechain.modules.invoice.contract import aliases
from smechain.modules.invoice.queries import registered_uscc
from smechain.modules.membership.contract import read_org
from smechain.node.ledger import LedgerView, NotCommitted
from smechain.payments.iso20022 import LedgerTransfer, Party

LEI_SCHEME = "0199"
"""ISO 6523 ICD of the legal entity identifier (ISO 17442)."""


def party(view: LedgerView, org: str) -> Party:
    """An organisation as a message's debtor or creditor: name, org id, USCC and LEI."""
    record = read_org(view.store, org)
    lei = next((i.partition(":")[2] for i in aliases(view.store, org)
                if i.startswith(LEI_SCHEME + ":")), "")
    return Party(record.name if record else org, org, registered_uscc(view.store, org) or "",
                 lei)


def committed_transfer(view: LedgerView, tx_hash: bytes, caller: str | None) -> LedgerTransfer:
    """The committed ``cash.transfer`` ``tx_hash``, when ``caller`` (an org id; ``None``:
    anyone) paid or was paid by it.

    Raises ``NotFound`` naming ``tx_hash`` when no such transfer is committed, it failed,
    it is another action, or ``caller`` is no party to it (the same answer, so a
    stranger learns nothing of other organisations' payments)."""
    text = tx_hash.hex()
    try:
        height, index = view.locate(tx_hash)
    except NotCommitted:
        raise NotFound("tx_hash", f"{text} is not committed") from None
    block = view.block(height)
    receipt = block.receipts[index]
    tx, _ = decode_tx(block.txs[index], view.suite)
    event = next((e for e in receipt.events
                  if e.contract == "cash" and e.name == "Transferred"), None)
    if (tx.body.contract, tx.body.action) != ("cash", "transfer") or event is None:
        raise NotFound("tx_hash", f"{text} is no committed cash transfer")
    attrs = event.attrs
    if caller is not None and caller not in (attrs["sender"], attrs["to"]):
        raise NotFound("tx_hash", f"{text} is no cash transfer of {shown(caller)!r}")
    return LedgerTransfer(tx_hash, block.header.timestamp_ms, attrs["currency"],
                          attrs["amount"], party(view, attrs["sender"]),
                          party(view, attrs["to"]), str(tx.body.args.get("memo", "")))
