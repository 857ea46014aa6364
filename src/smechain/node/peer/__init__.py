"""A consortium peer: one organisation's node on the NATS JetStream ordering service.

- ``config``: its config file (``PeerConfig``), the ordering operator's
  (``OperatorConfig``), reading and checking them and the genesis file;
- ``peer``: the running ``Peer``, a ``Node`` on a ``ConsortiumOrderer`` that
  signs and publishes a checkpoint of every block it commits.
"""

from smechain.node.peer.config import (
    OperatorConfig,
    PeerConfig,
    PeerConfigError,
    genesis_from_file,
    read_toml,
)
from smechain.node.peer.peer import Peer, check_ordering, connect

__all__ = [
    "OperatorConfig",
    "Peer",
    "PeerConfig",
    "PeerConfigError",
    "check_ordering",
    "connect",
    "genesis_from_file",
    "read_toml",
]
