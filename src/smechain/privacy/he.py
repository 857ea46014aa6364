"""Okamoto–Uchiyama homomorphic encryption (SecretFlow's ``sf-heu``) for int64 vectors.

The bank owns a :class:`BankKey`; it publishes ``public_key_bytes()``, from
which owners build a :class:`PublicKit` to encrypt, and aggregators one to add
ciphertexts. Decryption goes through ``decrypt_in_range``: a plaintext outside
(-2^range_bits, 2^range_bits) raises :class:`OutOfRange` instead of being read
as the wrapped value a malicious or faulty sender could have planted (OU's
plaintext space is Z_p; sums that leave it wrap silently under ``decrypt``).
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np
import numpy.typing as npt
from heu import numpy as hnp
from heu import phe

KEY_BITS = 2048
"""Production key size (OU, 2048-bit modulus n = p^2 q)."""
RANGE_BITS = 64
"""Every value the bank decrypts (per-bin counts, score totals) fits in int64."""


class OutOfRange(ValueError):
    """A decrypted plaintext lies outside the range the protocol allows."""


@functools.cache
def _start_quietly() -> None:
    """Start HEU's thread pool with its native start-up log line on stderr, once per
    process: it prints to stdout, where a command's or a benchmark's JSON goes."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        kit = hnp.setup(phe.SchemaType.OU, 1024)
        kit.encryptor().encrypt(kit.array(np.zeros(2, np.int64)))
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class PublicKit:
    """Encrypt and add under someone else's public key (owners, aggregators)."""

    def __init__(self, public_key: bytes) -> None:
        _start_quietly()
        self.public_key = public_key
        self._kit = hnp.setup(phe.PublicKey.load_from(public_key))
        self._encryptor = self._kit.encryptor()
        self._evaluator = self._kit.evaluator()

    def encrypt(self, values: npt.NDArray[np.int64]) -> hnp.CiphertextArray:
        """Each entry of an int64 vector encrypted."""
        return self._encryptor.encrypt(self._kit.array(np.ascontiguousarray(values, np.int64)))

    def add(self, a: hnp.CiphertextArray, b: hnp.CiphertextArray) -> hnp.CiphertextArray:
        """Entry-wise sum of two ciphertext vectors of the same shape."""
        return self._evaluator.add(a, b)

    def bucket_sums(self, ciphertexts: hnp.CiphertextArray, bins: npt.NDArray[np.int8],
                    n_bins: int) -> hnp.CiphertextArray:
        """Per (feature, bin) sum of ``ciphertexts``: ``bins[i, f]`` is row i's bin of
        feature f. The result has ``n_bins * n_features`` entries, feature-major."""
        rows = bins.shape[0]
        everyone = np.ones((1, rows), dtype=np.int8)
        return self._evaluator.feature_wise_bucket_sum(
            ciphertexts, everyone, np.ascontiguousarray(bins, dtype=np.int8), n_bins, False)


class BankKey(PublicKit):
    """The bank's key pair; only the bank holds one."""

    def __init__(self, key_bits: int = KEY_BITS) -> None:
        kit = hnp.setup(phe.SchemaType.OU, key_bits)
        super().__init__(kit.public_key().serialize())
        self._decryptor = kit.decryptor()

    def decrypt(self, ciphertexts: hnp.CiphertextArray,
                range_bits: int = RANGE_BITS) -> npt.NDArray[np.int64]:
        """Plaintexts as int64; :class:`OutOfRange` if any lies outside ±2^range_bits."""
        try:
            plain = self._decryptor.decrypt_in_range(ciphertexts, range_bits)
        except RuntimeError as e:
            raise OutOfRange(str(e)) from e
        out = np.array(plain.to_numpy(), dtype=object).reshape(-1)
        if any(not (-(2**63) <= int(v) < 2**63) for v in out):
            raise OutOfRange("a plaintext does not fit in int64")
        return out.astype(np.int64)

    def decrypt_unchecked(self, ciphertexts: hnp.CiphertextArray) -> list[int]:
        """Plain OU decryption, no range check: for tests that show why it is not used."""
        return [int(v) for v in np.array(self._decryptor.decrypt(ciphertexts).to_numpy(),
                                         dtype=object).reshape(-1)]


def dump(ciphertexts: hnp.CiphertextArray) -> bytes:
    """Bytes of a ciphertext array, to put in a message."""
    return bytes(ciphertexts.serialize())


def load(data: bytes) -> hnp.CiphertextArray:
    """A ciphertext array from :func:`dump`'s bytes."""
    return hnp.CiphertextArray.load_from(data)
