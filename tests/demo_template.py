"""The seeded demo, built once per test session and copied for each test that needs one.

Seeding the demo runs some ninety transactions through the API's service layer (seconds
each time). The template is seeded once, then closed, so every SQLite file in its folder is
complete and nothing holds it; a copy is those files in a new folder, opened again as a
peer does after a restart: its own ledger, index, account records and vault, sharing
nothing with the template or other copies but their contents.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

from smechain.api.demo import Demo, DemoClock, build_demo
from smechain.api.platform import Platform
from smechain.node.keys import KeyPair
from smechain.node.node import Node, NodeConfig
from smechain.ordering.cutter import CutterConfig


def demo_config() -> NodeConfig:
    """The node settings ``start_network`` uses, with a clock a test may move forward."""
    return NodeConfig(CutterConfig(max_wait_ms=2), verify_workers=0, clock=DemoClock(0))


class DemoTemplate:
    """A seeded demo in ``folder``, closed, to copy from."""

    def __init__(self, folder: Path) -> None:
        demo, ids = build_demo(folder)
        try:
            assert demo.orderer is not None
            self.orderer: KeyPair = demo.orderer
            self.ids = ids
        finally:
            demo.close()
        self.folder = folder

    def copy(self, folder: Path) -> tuple[Demo, dict[str, Any]]:
        """A running copy of the seeded demo in ``folder`` (which must not exist), and the
        ids the seeder returned."""
        shutil.copytree(self.folder, folder, ignore=shutil.ignore_patterns("LOCK"))
        config = demo_config()
        node = Node.open(folder, self.orderer, config).start()
        try:
            platform = Platform(node, folder)
        except BaseException:
            node.close()
            raise
        assert isinstance(config.clock, DemoClock)
        return Demo(folder, node, platform, config.clock, self.orderer), copy.deepcopy(self.ids)
