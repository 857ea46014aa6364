"""Secret sharing mod 2^64 and the bank's OU key: exact sums, refused overflows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from smechain.privacy import he, sharing

I64 = st.integers(-(2**62), 2**62)


@settings(max_examples=50, deadline=None)
@given(st.lists(arrays(np.int64, 16, elements=st.integers(-(2**40), 2**40)), min_size=1,
                max_size=6))
def test_shares_of_many_owners_add_up_exactly(partials: list[np.ndarray]) -> None:
    sum_a = sum_b = None
    for p in partials:
        a, b = sharing.split(p)
        sum_a, sum_b = sharing.add(sum_a, a), sharing.add(sum_b, b)
    assert np.array_equal(sharing.reconstruct(sum_a, sum_b), np.sum(partials, axis=0))


def test_negative_points_and_extremes_survive() -> None:
    values = np.array([-1, -(2**63), 2**63 - 1, 0, -12345], dtype=np.int64)
    a, b = sharing.split(values)
    assert np.array_equal(sharing.reconstruct(a, b), values)


def test_a_share_alone_looks_uniform() -> None:
    values = np.full(200_000, 7, dtype=np.int64)  # the worst case: a constant secret
    a, b = sharing.split(values)
    for share in (a, b):
        assert not np.array_equal(share.view(np.int64), values)
        u = share.astype(np.float64) / 2.0**64
        assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
        bits = np.unpackbits(share.view(np.uint8)).reshape(-1, 64).mean(axis=0)
        assert np.all(np.abs(bits - 0.5) < 0.01)
        top = np.bincount((share >> np.uint64(56)).astype(np.int64), minlength=256)
        chi2 = ((top - share.size / 256) ** 2 / (share.size / 256)).sum()
        assert chi2 < 400  # 255 degrees of freedom: p < 1e-6 beyond ~370


@pytest.fixture(scope="module")
def key() -> he.BankKey:
    return he.BankKey(1024)  # unit tests: a smaller key; the process tests use 1024 too


def test_ou_adds_negative_partials_exactly(key: he.BankKey) -> None:
    owner = he.PublicKit(key.public_key)
    a = np.array([-5, 300, -(2**40), 0], dtype=np.int64)
    b = np.array([7, -301, 2**40, -1], dtype=np.int64)
    total = owner.add(owner.encrypt(a), owner.encrypt(b))
    assert np.array_equal(key.decrypt(he.load(he.dump(total))), a + b)


def test_out_of_range_plaintext_is_refused_where_plain_decryption_wraps(
        key: he.BankKey) -> None:
    """A faulty or malicious sender can push a sum past OU's plaintext modulus p;
    ``decrypt`` then reads a wrapped value without complaint, ``decrypt_in_range``
    (through ``BankKey.decrypt``) refuses every out-of-range plaintext."""
    from heu import numpy as hnp
    from heu import phe

    kit = hnp.setup(phe.PublicKey.load_from(key.public_key))
    value = int(str(kit.public_key().plaintext_bound()))
    ct = kit.encryptor().encrypt(kit.array(np.array([value], dtype=object)))
    with pytest.raises(he.OutOfRange):
        key.decrypt(ct)  # far outside (-2^64, 2^64), though below the modulus
    assert key.decrypt_unchecked(ct) == [value]
    for _ in range(64):  # double until the sum leaves Z_p
        ct, value = key.add(ct, ct), 2 * value
        if key.decrypt_unchecked(ct) != [value]:
            break
    else:
        pytest.fail("the sum never wrapped")
    assert key.decrypt_unchecked(ct)[0] != value  # plain decryption wrapped silently
    with pytest.raises(he.OutOfRange):
        key.decrypt(ct)
    assert key.decrypt(key.encrypt(np.array([2**63 - 1, -(2**63)]))).tolist() == [
        2**63 - 1, -(2**63)]
