"""The consortium ordering service: a NATS JetStream cluster's replicated log.

Three streams per chain, each replicated (R3 on a three-server cluster):

``TXS``
    Signed transactions as peers submit them, many per message (a msgpack
    list of raw transactions); publishers retry with a ``Nats-Msg-Id`` so a
    retried message is stored once.
``BLOCKS``
    The chain: the block at height *h* is the stream's message *h + 1*, its
    payload the block's canonical bytes. A cutter appends with
    ``Nats-Expected-Last-Sequence``, so of two cutters only one can add a
    given height: the chain never forks. Each block records in a header where
    in ``TXS`` its cutter stopped reading, so a standby that takes over goes on
    from exactly there: nothing lost, nothing included twice.
``CKPT``
    Peers' signed checkpoints, one subject per organisation, kept as long as
    the blocks; peers read it from where they left off (``ckptlog``).

One responsibility per module:

- ``names``: the streams', subjects' and bucket's names; ``Position`` in ``TXS``;
- ``link``: ``NatsLink``, the blocking connection (the nats-py client runs on
  an event-loop thread of its own), and retrying transient failures;
- ``reader``: ``StreamReader``, reading any stream by direct gets;
- ``streams``: the operator's setup of a chain (streams, lease bucket, block 0);
- ``txlog``: ``JetStreamOrderer``, submitting to ``TXS`` and cutting batches from it
  (``submit``, ``next_batch``, ``close``, as the solo orderer);
- ``blocklog``: ``BlockLog``, appending to and reading ``BLOCKS``;
- ``lease``: ``Lease``, which cutter cuts;
- ``consortium``: ``ConsortiumOrderer``, the ``Orderer`` a consortium peer's
  node runs on: it follows ``BLOCKS`` and cuts while it holds the lease.
"""

from smechain.ordering.abc import Superseded
from smechain.ordering.jetstream.blocklog import WRONG_LAST_SEQUENCE, BlockLog, LoggedBlock
from smechain.ordering.jetstream.consortium import READ_AHEAD, ConsortiumOrderer
from smechain.ordering.jetstream.lease import Lease
from smechain.ordering.jetstream.link import (
    TRANSIENT,
    NatsLink,
    OrderingUnavailable,
    read_or_reset,
    retry,
)
from smechain.ordering.jetstream.names import POSITION_HEADER, Names, Position
from smechain.ordering.jetstream.reader import Stored, StreamReader
from smechain.ordering.jetstream.streams import ensure_streams, setup_chain, stream_configs
from smechain.ordering.jetstream.txlog import JetStreamConfig, JetStreamOrderer

__all__ = [
    "POSITION_HEADER",
    "READ_AHEAD",
    "TRANSIENT",
    "WRONG_LAST_SEQUENCE",
    "BlockLog",
    "ConsortiumOrderer",
    "JetStreamConfig",
    "JetStreamOrderer",
    "Lease",
    "LoggedBlock",
    "Names",
    "NatsLink",
    "OrderingUnavailable",
    "Position",
    "Stored",
    "StreamReader",
    "Superseded",
    "ensure_streams",
    "read_or_reset",
    "retry",
    "setup_chain",
    "stream_configs",
]
