"""Signing transactions on the client (non-custodial): the keys never leave the caller.

``sign_tx`` builds and signs one transaction's canonical bytes. ``Signer`` holds a
key and its chain, learns the key's last nonce from the server once and then
counts locally, so a bank system can sign thousands of transactions and submit
them in batches without a round trip each.

Arguments are in the ledger's form: ``bytes`` for binary fields, and structs the
ledger stores as arrays (a certificate's backing ``invoices`` entries) as
``[invoice_id, amount]``. ``ledger_args`` also accepts the HTTP API's JSON form
(hex strings, ``{"invoice": ..., "amount": ...}``) and converts it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smechain.client.actions import module_sdks
from smechain.core.keys import KeyPair
from smechain.core.tx import decode_tx, sign_tx

if TYPE_CHECKING:
    from smechain.client.http import Client


def ledger_args(contract: str, action: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` in the ledger's form for an action whose module's SDK part says how
    (``ModuleSdk.ledger_forms``); other arguments and unknown actions pass unchanged.

    Hex strings in binary fields become bytes; records the ledger stores as arrays
    (certificate backings), given as objects, tuples or records, become lists.
    """
    sdk = module_sdks().get(contract)
    forms = sdk.ledger_forms.get(action, {}) if sdk else {}
    return {k: forms[k](v) if k in forms else v for k, v in args.items()}


class Signer:
    """A key that signs transactions for one chain, counting its nonces locally.

    The nonce is fetched from the server once (``sync``, or the first
    ``Client.send``); after that every ``sign`` takes the next one. The ledger
    runs a key's transactions only in nonce order, so submit them in the order
    they were signed: one thread, or one ``Client.submit_batch`` (which keeps
    the order). Taking nonces is thread-safe, but transactions signed on several
    threads may reach the orderer out of order and be rejected (``bad_nonce``).
    If a signed transaction never reaches the ledger, or is rejected without
    using its nonce, call ``sync`` again (``Client.send`` does this itself).
    """

    def __init__(self, key: KeyPair, chain_id: str, nonce: int | None = None) -> None:
        """``nonce`` is the last one the key used, if known (0 for a new key)."""
        self.key = key
        self.chain_id = chain_id
        self._last = nonce
        self._lock = threading.Lock()

    @property
    def public_key(self) -> str:
        """The key's public half, hex."""
        return self.key.public.hex()

    @property
    def nonce(self) -> int | None:
        """The last nonce handed out (or learnt from the server); ``None`` until synced."""
        return self._last

    def sync(self, client: Client) -> int:
        """Learn the key's last used nonce from the server; returns it."""
        last = client.nonce(self.key.public)
        with self._lock:
            self._last = last
        return last

    def next_nonce(self) -> int:
        """Take the next nonce."""
        with self._lock:
            if self._last is None:
                raise RuntimeError("nonce: not known yet; call signer.sync(client) first")
            self._last += 1
            return self._last

    def release(self, nonce: int) -> None:
        """Give back ``nonce`` (its transaction was refused before it was ordered), if no
        later nonce has been taken since."""
        with self._lock:
            if self._last == nonce:
                self._last = nonce - 1

    def sign(self, contract: str, action: str, args: Mapping[str, Any],
             cosigners: Sequence[KeyPair] = (), expiry: int = 0,
             nonce: int | None = None) -> bytes:
        """Signed canonical bytes of ``contract.action(args)`` with the next nonce (or
        ``nonce``, already taken with ``next_nonce``).

        ``cosigners`` sign the same transaction after this key (multi-party actions
        such as ``receivable.sell`` when one system holds both keys).
        """
        ledger = ledger_args(contract, action, args)
        return sign_tx(self.chain_id, contract, action, ledger, [self.key, *cosigners],
                       self.next_nonce() if nonce is None else nonce, expiry)

    def hash_of(self, raw: bytes) -> str:
        """The transaction hash (hex) of signed bytes, as the ledger and receipts name it."""
        return decode_tx(raw, self.key.crypto)[1].hex()
