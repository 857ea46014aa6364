"""Helper for ``test_api_proposal_crash.py``: the API over a demo folder, as its own process.

Usage: ``python proposal_server.py FOLDER PORT MAX_TXS MAX_WAIT_MS``. Opens the
chain in FOLDER with the orderer key saved there (``orderer.key``), cutting a
block at MAX_TXS transactions or after MAX_WAIT_MS, and serves the API on
127.0.0.1:PORT until it is stopped (or killed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from smechain.api.app import create_app
from smechain.api.platform import Platform
from smechain.api.server import serve
from smechain.node.keys import load_key
from smechain.node.node import Node, NodeConfig
from smechain.ordering.cutter import CutterConfig


def main(folder: Path, port: int, max_txs: int, max_wait_ms: int) -> None:
    config = NodeConfig(CutterConfig(max_txs, max_wait_ms), verify_workers=0)
    node = Node.open(folder, load_key(folder / "orderer.key"), config).start()
    platform = Platform(node, folder)
    try:
        serve(create_app(platform), "127.0.0.1", port)
    finally:
        platform.close()
        node.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
