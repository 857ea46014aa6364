"""Crypto suites: Ed25519/SHA-256 and SM2/SM3, with known answers and GmSSL interop."""

from __future__ import annotations

import hashlib

import gmssl_pyx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.crypto import SUITES, Ed25519Suite, Sm2Suite, get_suite

SUITE_LIST = [Ed25519Suite(), Sm2Suite()]
BOTH = pytest.mark.parametrize("suite", SUITE_LIST, ids=lambda s: s.name)

SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = SM2_P - 3
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93

SEEDS = st.binary(min_size=32, max_size=32)
DIGESTS = st.binary(min_size=32, max_size=32)


def keypair(suite, n: int = 1) -> tuple[bytes, bytes]:
    return suite.keypair_from_seed(bytes([n]) * 32)


# --- hashes ----------------------------------------------------------------------------

SHA256_VECTORS = [
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ),
]

SM3_VECTORS = [
    # GB/T 32905-2016, appendix A.
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    (b"", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
]


@pytest.mark.parametrize(("data", "expected"), SHA256_VECTORS)
def test_sha256_known_answers(data: bytes, expected: str) -> None:
    assert Ed25519Suite().hash(data).hex() == expected


@pytest.mark.parametrize(("data", "expected"), SM3_VECTORS)
def test_sm3_known_answers(data: bytes, expected: str) -> None:
    assert Sm2Suite().hash(data).hex() == expected


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_sm3_agrees_with_gmssl(data: bytes) -> None:
    digest = Sm2Suite().hash(data)
    assert digest == bytes(gmssl_pyx.sm3_hash(data))
    assert len(digest) == 32


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_sha256_agrees_with_hashlib(data: bytes) -> None:
    assert Ed25519Suite().hash(data) == hashlib.sha256(data).digest()


# --- suites ----------------------------------------------------------------------------


def test_suite_registry() -> None:
    assert set(SUITES) == {"ed25519", "sm2"}
    assert get_suite("ed25519").name == "ed25519"
    assert get_suite("sm2").name == "sm2"
    assert get_suite("ed25519").public_key_size == 32
    assert get_suite("sm2").public_key_size == 65
    with pytest.raises(ValueError, match=r"^suite:"):
        get_suite("rsa")


@BOTH
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, digest=DIGESTS)
def test_sign_verify_round_trip(suite, seed: bytes, digest: bytes) -> None:
    private, public = suite.keypair_from_seed(seed)
    assert len(public) == suite.public_key_size
    assert suite.public_key(private) == public
    signature = suite.sign(private, digest)
    assert suite.verify(public, digest, signature) is True


@BOTH
@settings(max_examples=40, deadline=None)
@given(digest=DIGESTS, other=DIGESTS)
def test_wrong_message_fails(suite, digest: bytes, other: bytes) -> None:
    private, public = keypair(suite)
    signature = suite.sign(private, digest)
    if other != digest:
        assert suite.verify(public, other, signature) is False


@BOTH
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, digest=DIGESTS)
def test_wrong_key_fails(suite, seed: bytes, digest: bytes) -> None:
    private, public = keypair(suite)
    _, other_public = suite.keypair_from_seed(seed)
    signature = suite.sign(private, digest)
    if other_public != public:
        assert suite.verify(other_public, digest, signature) is False


def _value_positions(suite, signature: bytes) -> list[int]:
    """Byte positions that hold the signature's numbers (not DER framing)."""
    if suite.name == "ed25519":
        return list(range(64))
    # SEQUENCE { INTEGER r, INTEGER s }: 30 len 02 lr r... 02 ls s...
    assert signature[0] == 0x30 and signature[2] == 0x02
    r_len = signature[3]
    s_at = 4 + r_len
    assert signature[s_at] == 0x02
    s_len = signature[s_at + 1]
    r = range(4, 4 + r_len)
    s = range(s_at + 2, s_at + 2 + s_len)
    # The first two bytes of each number decide its sign and DER minimality.
    return [*list(r)[2:], *list(s)[2:]]


@BOTH
@settings(max_examples=60, deadline=None)
@given(digest=DIGESTS, pick=st.integers(0, 10_000), mask=st.integers(1, 255))
def test_altered_signature_fails(suite, digest: bytes, pick: int, mask: int) -> None:
    private, public = keypair(suite)
    signature = suite.sign(private, digest)
    positions = _value_positions(suite, signature)
    altered = bytearray(signature)
    altered[positions[pick % len(positions)]] ^= mask
    assert suite.verify(public, digest, bytes(altered)) is False


@BOTH
def test_every_single_bit_flip_of_a_signature_fails(suite) -> None:
    private, public = keypair(suite)
    digest = suite.hash(b"bit flips")
    signature = suite.sign(private, digest)
    for pos in _value_positions(suite, signature):
        for bit in range(8):
            altered = bytearray(signature)
            altered[pos] ^= 1 << bit
            assert suite.verify(public, digest, bytes(altered)) is False, (pos, bit)


def _garbage_keys(suite) -> list[bytes]:
    _, public = keypair(suite)
    keys = [b"", b"\x00", bytes(suite.public_key_size), b"\xff" * suite.public_key_size,
            public[:-1], public + b"\x00", public * 2]
    if suite.name == "sm2":
        keys += [
            b"\x04" + bytes(64),                      # the point at infinity is not a key
            b"\x04" + public[1:33] + bytes(32),       # off the curve
            b"\x05" + public[1:],                     # bad prefix
            b"\x02" + public[1:],                     # compressed prefix, full length
            b"\x04" + (SM2_P + 1).to_bytes(32, "big")[-32:] + public[33:],
            public[:33],                              # compressed length, uncompressed prefix
        ]
    return keys


@BOTH
def test_garbage_public_keys_return_false(suite) -> None:
    private, _ = keypair(suite)
    digest = suite.hash(b"message")
    signature = suite.sign(private, digest)
    for bad in _garbage_keys(suite):
        assert suite.verify(bad, digest, signature) is False, bad.hex()


@BOTH
@settings(max_examples=100, deadline=None)
@given(key=st.binary(max_size=80))
def test_random_public_keys_return_false(suite, key: bytes) -> None:
    private, public = keypair(suite)
    digest = suite.hash(b"message")
    signature = suite.sign(private, digest)
    if key != public:
        assert suite.verify(key, digest, signature) is False


def _garbage_signatures(suite, signature: bytes) -> list[bytes]:
    sigs = [b"", b"\x00", bytes(len(signature)), b"\xff" * len(signature), signature[:-1],
            signature + b"\x00", signature[1:], signature * 2]
    if suite.name == "sm2":
        sigs += [
            b"\x30",                                  # truncated DER
            b"\x30\x00",                              # empty SEQUENCE
            b"\x30\x06\x02\x01\x00\x02\x01\x00",      # r = s = 0
            b"\x30\x06\x02\x01\x01\x02\x01\x01",      # r = s = 1
            b"\x31" + signature[1:],                  # SET, not SEQUENCE
            signature[:1] + bytes([signature[1] + 1]) + signature[2:],  # wrong length
        ]
    return sigs


@BOTH
def test_malformed_signatures_return_false(suite) -> None:
    """Malformed signatures are simply invalid: ``verify`` never raises on bytes."""
    private, public = keypair(suite)
    digest = suite.hash(b"message")
    signature = suite.sign(private, digest)
    for bad in _garbage_signatures(suite, signature):
        assert suite.verify(public, digest, bad) is False, bad.hex()


@BOTH
@settings(max_examples=100, deadline=None)
@given(signature=st.binary(max_size=100))
def test_random_signatures_return_false(suite, signature: bytes) -> None:
    _, public = keypair(suite)
    assert suite.verify(public, suite.hash(b"message"), signature) is False


def test_ed25519_signature_and_digest_boundary_cannot_shift() -> None:
    """``verify`` must not accept bytes moved between the signature and the digest."""
    suite = Ed25519Suite()
    private, public = keypair(suite)
    digest = suite.hash(b"boundary")
    signature = suite.sign(private, digest)
    for k in (1, 8, 32):
        assert suite.verify(public, digest[k:], signature + digest[:k]) is False
    assert suite.verify(public, signature[-8:] + digest, signature[:-8]) is False


@BOTH
def test_wrong_digest_length_does_not_verify(suite) -> None:
    private, public = keypair(suite)
    digest = suite.hash(b"message")
    signature = suite.sign(private, digest)
    for other in (b"", digest[:-1], digest + b"\x00"):
        assert suite.verify(public, other, signature) is False


# --- key derivation ------------------------------------------------------------------


@BOTH
@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, other=SEEDS)
def test_keypair_from_seed_is_deterministic(suite, seed: bytes, other: bytes) -> None:
    assert suite.keypair_from_seed(seed) == suite.keypair_from_seed(bytes(seed))
    private, public = suite.keypair_from_seed(seed)
    assert len(private) == 32
    assert suite.public_key(private) == public
    if other != seed:
        assert suite.keypair_from_seed(other) != (private, public)


def test_ed25519_private_key_is_the_seed() -> None:
    seed = bytes(range(32))
    private, _ = Ed25519Suite().keypair_from_seed(seed)
    assert private == seed


def test_ed25519_rfc8032_test_vector_1() -> None:
    """RFC 8032 §7.1 TEST 1 (empty message): key derivation and signature."""
    suite = Ed25519Suite()
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    private, public = suite.keypair_from_seed(seed)
    assert public.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    signature = suite.sign(private, b"")
    assert signature.hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert suite.verify(public, b"", signature)


def test_ed25519_signatures_are_deterministic() -> None:
    suite = Ed25519Suite()
    private, _ = keypair(suite)
    digest = suite.hash(b"same")
    assert suite.sign(private, digest) == suite.sign(private, digest)


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS)
def test_sm2_keys_are_valid_curve_points(seed: bytes) -> None:
    private, public = Sm2Suite().keypair_from_seed(seed)
    assert 1 <= int.from_bytes(private, "big") < SM2_N
    assert len(public) == 65 and public[0] == 0x04
    x = int.from_bytes(public[1:33], "big")
    y = int.from_bytes(public[33:], "big")
    assert (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P == 0


# --- SM2 interoperability with GmSSL ---------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, digest=DIGESTS)
def test_sm2_signature_verifies_with_gmssl(seed: bytes, digest: bytes) -> None:
    suite = Sm2Suite()
    private, public = suite.keypair_from_seed(seed)
    signature = suite.sign(private, digest)
    assert gmssl_pyx.sm2_verify(public[1:], digest, signature) is True
    other = bytes([digest[0] ^ 1]) + digest[1:]
    assert gmssl_pyx.sm2_verify(public[1:], other, signature) is False


@settings(max_examples=30, deadline=None)
@given(digest=DIGESTS)
def test_gmssl_signature_verifies_with_sm2_suite(digest: bytes) -> None:
    suite = Sm2Suite()
    pk, sk = gmssl_pyx.sm2_key_generate()
    signature = gmssl_pyx.sm2_sign(sk, pk, digest)
    assert suite.verify(b"\x04" + pk, digest, signature) is True
    other = bytes([digest[0] ^ 1]) + digest[1:]
    assert suite.verify(b"\x04" + pk, other, signature) is False
    # GmSSL's private key gives the same public key through the suite.
    assert suite.public_key(sk) == b"\x04" + pk


def test_sm2_signatures_use_the_default_signer_id() -> None:
    """A signature under another signer id (another Z value) must not verify."""
    suite = Sm2Suite()
    pk, sk = gmssl_pyx.sm2_key_generate()
    digest = suite.hash(b"signer id")
    signature = gmssl_pyx.sm2_sign(sk, pk, digest, signer_id=b"another-signer")
    assert gmssl_pyx.sm2_verify(pk, digest, signature, signer_id=b"another-signer") is True
    assert suite.verify(b"\x04" + pk, digest, signature) is False
