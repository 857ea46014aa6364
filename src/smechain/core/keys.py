"""A key pair of one crypto suite: what signs transactions, blocks and checkpoints.

Pure: making a key from the operating system's randomness and keeping it in a
file are the outer layers' (``smechain.node.keys``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smechain.core.crypto import CryptoSuite, get_suite


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A private and public key of one crypto suite."""

    suite: str
    private: bytes = field(repr=False)
    public: bytes

    @property
    def crypto(self) -> CryptoSuite:
        """The suite object for signing with this key."""
        return get_suite(self.suite)

    def sign(self, digest: bytes) -> bytes:
        """Sign a digest with this key."""
        return self.crypto.sign(self.private, digest)
