"""Client side: building and signing transactions for a chain."""

from __future__ import annotations

from typing import Any

from smechain.core.encoding import encode
from smechain.core.tx import TxBody, make_tx
from smechain.node.keys import KeyPair


def sign_tx(
    chain_id: str,
    contract: str,
    action: str,
    args: dict[str, Any],
    signers: list[KeyPair],
    nonce: int,
    expiry: int = 0,
) -> bytes:
    """Canonical bytes of a transaction signed by ``signers`` (the first one sends)."""
    if not signers:
        raise ValueError("signers: at least one key is needed")
    suite = signers[0].crypto
    body = TxBody(chain_id, contract, action, args, [k.public for k in signers], nonce, expiry)
    return encode(make_tx(suite, body, [k.private for k in signers]))
