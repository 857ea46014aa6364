"""Helper for ``test_crash.py``: commit cash issues in a loop until killed.

Usage: ``python crash_writer.py FOLDER``. The first run creates a chain in
FOLDER and saves the orderer and issuer keys there; later runs open it with
those keys. It prints ``ready <height>`` once the node is open, then
``committed <height>`` after each receipt it has received (the height of the
block holding that transaction), flushing stdout each time. It runs until it
is killed; a receipt that is not ``ok`` prints ``bad <code> <message>`` and
exits with status 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from smechain.client import sign_tx
from smechain.node.consortium import consortium_from_dict
from smechain.node.keys import KeyPair, load_key, save_key
from smechain.node.node import STORE_FILE, Node, NodeConfig
from smechain.ordering.cutter import CutterConfig

CHAIN = "crash-chain"
CONSORTIUM = {
    "chain_id": CHAIN,
    "orgs": [
        {"id": "pboc", "roles": ["cash_issuer"]},
        {"id": "acme", "roles": ["sme"]},
        {"id": "bolt", "roles": ["sme"]},
    ],
    "governance": {
        "admins": ["pboc"], "add_org": 1, "suspend_org": 1, "readmit_org": 1, "rekey_org": 1,
    },
}
CONFIG = NodeConfig(cutter=CutterConfig(max_txs=500, max_wait_ms=2), verify_workers=0)


def orderer_key_path(folder: Path) -> Path:
    return folder / "keys" / "orderer.key"


def issuer_key_path(folder: Path) -> Path:
    return folder / "keys" / "pboc.key"


def open_or_create(folder: Path) -> tuple[Node, KeyPair]:
    """Open the chain in ``folder``, creating it (and its key files) on the first run."""
    if (folder / STORE_FILE).exists():
        orderer = load_key(orderer_key_path(folder))
        issuer = load_key(issuer_key_path(folder))
        return Node.open(folder, orderer, CONFIG), issuer
    consortium = consortium_from_dict(CONSORTIUM, int(time.time() * 1000))
    issuer = consortium.keys["pboc"]
    save_key(consortium.orderer, orderer_key_path(folder), label="orderer")
    save_key(issuer, issuer_key_path(folder), label="pboc admin")
    return Node.create(folder, consortium.genesis, consortium.orderer, CONFIG), issuer


def main(folder: Path) -> int:
    node, issuer = open_or_create(folder)
    node.start()
    print(f"ready {node.height()}", flush=True)
    round_no = 0
    while True:
        round_no += 1
        nonce = node.nonce(issuer.public)
        hashes = []
        for i in range(1 + round_no % 17):
            nonce += 1
            raw = sign_tx(
                CHAIN, "cash", "issue",
                {"currency": "CNY", "to": "acme" if i % 2 else "bolt", "amount": 1 + i},
                [issuer], nonce,
            )
            hashes.append(node.submit(raw))
        for tx_hash in hashes:
            receipt = node.wait(tx_hash, 30)
            if not receipt.ok:
                print(f"bad {receipt.code} {receipt.message}", flush=True)
                return 2
            height, _ = node.locate(tx_hash)
            print(f"committed {height}", flush=True)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
