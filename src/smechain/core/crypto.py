"""Crypto suites, chosen once for a chain at genesis.

* ``ed25519``: Ed25519 signatures (libsodium through PyNaCl) and SHA-256.
* ``sm2``: SM2 signatures (GB/T 32918, default signer id ``1234567812345678``,
  through Tongsuo's native library) and SM3 (GB/T 32905, OpenSSL's hashlib).

A suite signs and verifies 32-byte digests. Key generation takes a seed from
the caller: the core reads no randomness of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

import nacl.bindings
from nacl._sodium import ffi, lib
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature


class CryptoSuite(Protocol):
    """What the ledger needs of a signature scheme and its hash."""

    @property
    def name(self) -> str:
        """The suite's name as genesis records it."""
        ...

    @property
    def public_key_size(self) -> int:
        """Length of a public key in bytes."""
        ...

    def hash(self, data: bytes) -> bytes:
        """The suite's 32-byte digest of ``data``."""
        ...

    def keypair_from_seed(self, seed: bytes) -> tuple[bytes, bytes]:
        """Derive ``(private_key, public_key)`` from 32 bytes of secret seed."""
        ...

    def public_key(self, private_key: bytes) -> bytes:
        """The public key belonging to ``private_key``."""
        ...

    def sign(self, private_key: bytes, digest: bytes) -> bytes:
        """Sign a 32-byte digest."""
        ...

    def verify(self, public_key: bytes, digest: bytes, signature: bytes) -> bool:
        """True when ``signature`` is the owner of ``public_key``'s over ``digest``."""
        ...


@dataclass(frozen=True, slots=True)
class Ed25519Suite:
    """Ed25519 + SHA-256."""

    name: str = "ed25519"
    public_key_size: int = 32

    def hash(self, data: bytes) -> bytes:
        """SHA-256."""
        return hashlib.sha256(data).digest()

    def keypair_from_seed(self, seed: bytes) -> tuple[bytes, bytes]:
        """The libsodium key pair of a 32-byte seed; the private key is the seed."""
        return bytes(seed), self.public_key(seed)

    def public_key(self, private_key: bytes) -> bytes:
        """The Ed25519 public key of a 32-byte private seed."""
        public, _ = nacl.bindings.crypto_sign_seed_keypair(private_key)
        return bytes(public)

    def sign(self, private_key: bytes, digest: bytes) -> bytes:
        """A 64-byte Ed25519 signature."""
        _, secret = nacl.bindings.crypto_sign_seed_keypair(private_key)
        return nacl.bindings.crypto_sign(digest, secret)[:64]

    def verify(self, public_key: bytes, digest: bytes, signature: bytes) -> bool:
        """Check through libsodium's ``crypto_sign_open`` (no detached call in PyNaCl)."""
        if len(public_key) != 32 or len(signature) != 64:
            return False
        signed = signature + digest
        out = ffi.new("unsigned char[]", len(signed))
        out_len = ffi.new("unsigned long long *")
        return bool(lib.crypto_sign_open(out, out_len, signed, len(signed), public_key) == 0)


# SM2 curve order, for mapping a seed to a private scalar.
_SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


@dataclass(frozen=True, slots=True)
class Sm2Suite:
    """SM2 + SM3. Public keys are 65-byte uncompressed points; signatures are DER."""

    name: str = "sm2"
    public_key_size: int = 65

    def hash(self, data: bytes) -> bytes:
        """SM3."""
        return hashlib.new("sm3", data).digest()

    def keypair_from_seed(self, seed: bytes) -> tuple[bytes, bytes]:
        """A private scalar in [1, n-1] from the SM3 digest of the seed."""
        scalar = int.from_bytes(self.hash(b"smechain/sm2-key" + seed), "big") % (_SM2_N - 1) + 1
        private = scalar.to_bytes(32, "big")
        return private, self.public_key(private)

    def public_key(self, private_key: bytes) -> bytes:
        """The uncompressed SM2 point of a 32-byte private scalar."""
        private = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SM2())
        return bytes(
            private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def sign(self, private_key: bytes, digest: bytes) -> bytes:
        """A standard SM2 signature (Z value with the default signer id) over ``digest``."""
        private = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SM2())
        return bytes(private.sign(digest, ec.ECDSA(hashes.SM3())))

    def verify(self, public_key: bytes, digest: bytes, signature: bytes) -> bool:
        """Verify a standard SM2 signature; malformed keys or signatures are simply invalid."""
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), public_key)
            key.verify(signature, digest, ec.ECDSA(hashes.SM3()))
        except (InvalidSignature, InternalError, ValueError, TypeError):
            return False
        return True


SUITES: dict[str, CryptoSuite] = {"ed25519": Ed25519Suite(), "sm2": Sm2Suite()}


def get_suite(name: str) -> CryptoSuite:
    """The suite called ``name``; ``ValueError`` naming the choices otherwise."""
    try:
        return SUITES[name]
    except KeyError:
        choices = sorted(SUITES)
        raise ValueError(f"suite: unknown crypto suite {name!r} (choose {choices})") from None


__all__ = ["SUITES", "CryptoSuite", "Ed25519Suite", "Sm2Suite", "get_suite"]
