"""Names of one chain's streams, subjects and bucket, and positions in its transaction stream.

A block's header ``Smechain-Tx-Position`` records where in ``TXS`` its cutter
stopped reading (``Position``), so a standby that takes over goes on from
exactly there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

POSITION_HEADER = "Smechain-Tx-Position"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a cutter is in the transaction stream: message ``seq``, transaction ``index``."""

    seq: int = 1
    index: int = 0

    def header(self) -> str:
        return f"{self.seq}:{self.index}"

    @classmethod
    def parse(cls, text: str) -> Position:
        seq, _, index = text.partition(":")
        digits = seq.isascii() and seq.isdecimal() and index.isascii() and index.isdecimal()
        if not digits or int(seq) < 1:
            raise ValueError(f"{POSITION_HEADER}: {text!r} is not SEQ:INDEX")
        return cls(int(seq), int(index))


@dataclass(frozen=True, slots=True)
class Names:
    """Stream, subject and bucket names of one chain."""

    chain_id: str
    token: str = field(init=False)

    def __post_init__(self) -> None:
        token = re.sub(r"[^A-Za-z0-9_-]", "_", self.chain_id)
        object.__setattr__(self, "token", token)

    @property
    def txs_stream(self) -> str:
        return f"SMECHAIN_{self.token}_TXS"

    @property
    def txs_subject(self) -> str:
        return f"smechain.{self.token}.txs"

    @property
    def blocks_stream(self) -> str:
        return f"SMECHAIN_{self.token}_BLOCKS"

    @property
    def blocks_subject(self) -> str:
        return f"smechain.{self.token}.blocks"

    @property
    def ckpt_stream(self) -> str:
        return f"SMECHAIN_{self.token}_CKPT"

    def ckpt_subject(self, org: str = "*") -> str:
        return f"smechain.{self.token}.ckpt.{org}"

    def heads_subject(self, stream: str) -> str:
        """Where ``stream`` announces each message it stores (its headers only)."""
        kind = stream.rsplit("_", 1)[-1].lower()
        return f"smechain.{self.token}.heads.{kind}"

    @property
    def status_subject(self) -> str:
        return f"smechain.{self.token}.status"

    @property
    def lease_bucket(self) -> str:
        return f"smechain_{self.token}_cutter"
