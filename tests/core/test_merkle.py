"""Merkle trees: every audit path verifies, and nothing else does.

The tree is checked against an independent transcription of RFC 9162
(§2.1.1 MTH, §2.1.3.1 PATH, §2.1.3.2 inclusion verification).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.merkle import merkle_path, merkle_root, verify_merkle_path


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


HASHERS = pytest.mark.parametrize("h", [sha256, sm3], ids=["sha256", "sm3"])

MAX_SIZE = 40


def leaves_of(n: int) -> list[bytes]:
    """``n`` distinct leaves of varying lengths (tx hashes are 32 bytes, but any bytes go)."""
    return [sha256(i.to_bytes(4, "big"))[: 1 + i % 32] for i in range(n)]


# --- RFC 9162 reference -------------------------------------------------------


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def ref_root(h, leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + leaves[0])
    k = _split(n)
    return h(b"\x01" + ref_root(h, leaves[:k]) + ref_root(h, leaves[k:]))


def ref_path(h, leaves: list[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*ref_path(h, leaves[:k], m), ref_root(h, leaves[k:])]
    return [*ref_path(h, leaves[k:], m - k), ref_root(h, leaves[:k])]


def ref_directions(m: int, n: int) -> list[bool]:
    """For leaf ``m`` of an ``n``-leaf tree, whether each path element is a left sibling."""
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*ref_directions(m, k), False]
    return [*ref_directions(m - k, n - k), True]


def ref_verify(h, leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = h(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- exhaustive over small trees ------------------------------------------------


@HASHERS
def test_root_matches_rfc9162(h) -> None:
    for n in range(MAX_SIZE + 1):
        leaves = leaves_of(n)
        assert merkle_root(h, leaves) == ref_root(h, leaves), n


def test_empty_root_is_hash_of_nothing() -> None:
    assert merkle_root(sha256, []) == sha256(b"")


@HASHERS
def test_every_leaf_path_verifies(h) -> None:
    for n in range(1, MAX_SIZE + 1):
        leaves = leaves_of(n)
        root = merkle_root(h, leaves)
        for i, leaf in enumerate(leaves):
            path = merkle_path(h, leaves, i)
            assert path == ref_path(h, leaves, i), (n, i)
            assert verify_merkle_path(h, leaf, i, n, path, root), (n, i)
            assert ref_verify(h, leaf, i, n, path, root), (n, i)


def test_paths_are_short() -> None:
    for n in range(1, MAX_SIZE + 1):
        leaves = leaves_of(n)
        for i in range(n):
            assert len(merkle_path(sha256, leaves, i)) <= (n - 1).bit_length()


def test_path_index_out_of_range_raises() -> None:
    leaves = leaves_of(5)
    for bad in (-1, 5, 6):
        with pytest.raises(IndexError):
            merkle_path(sha256, leaves, bad)


def test_out_of_range_index_or_size_is_refused_not_raised() -> None:
    leaves = leaves_of(4)
    root = merkle_root(sha256, leaves)
    path = merkle_path(sha256, leaves, 0)
    for index, size in [(-1, 4), (4, 4), (5, 4), (0, 0), (0, -1)]:
        assert not verify_merkle_path(sha256, leaves[0], index, size, path, root)


def test_single_leaf_tree() -> None:
    root = merkle_root(sha256, [b"only"])
    assert root == sha256(b"\x00only")
    assert verify_merkle_path(sha256, b"only", 0, 1, [], root)
    assert not verify_merkle_path(sha256, b"only", 0, 1, [root], root)
    assert not verify_merkle_path(sha256, b"other", 0, 1, [], root)


def test_wrong_size_fails_unless_the_path_shape_is_identical() -> None:
    """A wrong size is refused whenever it changes how the path is combined.

    Like RFC 9162, the path does not bind the size on its own: for some sizes
    the same siblings combine the same way (index 0 of 5 and of 6 leaves, say),
    so the size must come from something signed (the header's ``tx_count``).
    Whatever the implementation accepts, the RFC algorithm accepts too.
    """
    refused = 0
    for n in range(1, MAX_SIZE + 1):
        leaves = leaves_of(n)
        root = merkle_root(sha256, leaves)
        for i in range(n):
            path = merkle_path(sha256, leaves, i)
            for m in range(1, MAX_SIZE + 9):
                if m == n:
                    continue
                ok = verify_merkle_path(sha256, leaves[i], i, m, path, root)
                assert ok == ref_verify(sha256, leaves[i], i, m, path, root), (n, i, m)
                if i >= m or ref_directions(i, m) != ref_directions(i, n):
                    assert not ok, (n, i, m)
                    refused += 1
    assert refused > 10_000


def test_interior_node_cannot_pass_as_a_leaf() -> None:
    """Domain separation: the two children of a node are not a leaf one level up."""
    for n in range(2, MAX_SIZE + 1):
        leaves = leaves_of(n)
        root = merkle_root(sha256, leaves)
        forged_leaf = sha256(b"\x00" + leaves[0]) + sha256(b"\x00" + leaves[1])
        path = merkle_path(sha256, leaves, 0)[1:]
        for size in range(1, n + 1):
            assert not verify_merkle_path(sha256, forged_leaf, 0, size, path, root), (n, size)


def test_different_lists_have_different_roots() -> None:
    """No duplication of an odd last leaf: [a, b, c] and [a, b, c, c] differ."""
    a, b, c = b"a", b"b", b"c"
    assert merkle_root(sha256, [a, b, c]) != merkle_root(sha256, [a, b, c, c])
    assert merkle_root(sha256, [a, b]) != merkle_root(sha256, [a, b, b])
    roots = {merkle_root(sha256, leaves_of(n)) for n in range(MAX_SIZE + 1)}
    assert len(roots) == MAX_SIZE + 1


# --- Hypothesis: any alteration fails ---------------------------------------------


@st.composite
def trees(draw):
    n = draw(st.integers(1, MAX_SIZE))
    leaves = draw(st.lists(st.binary(min_size=1, max_size=40), min_size=n, max_size=n,
                           unique=True))
    index = draw(st.integers(0, n - 1))
    root = merkle_root(sha256, leaves)
    return leaves, index, merkle_path(sha256, leaves, index), root


def _flip(data: bytes, pos: int, mask: int) -> bytes:
    out = bytearray(data)
    out[pos % len(out)] ^= mask
    return bytes(out)


@settings(max_examples=200, deadline=None)
@given(trees(), st.integers(0, 10_000), st.integers(1, 255))
def test_altered_leaf_byte_fails(tree, pos, mask) -> None:
    leaves, i, path, root = tree
    assert verify_merkle_path(sha256, leaves[i], i, len(leaves), path, root)
    altered = _flip(leaves[i], pos, mask)
    assert not verify_merkle_path(sha256, altered, i, len(leaves), path, root)


@settings(max_examples=200, deadline=None)
@given(trees(), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(1, 255))
def test_altered_path_element_fails(tree, which, pos, mask) -> None:
    leaves, i, path, root = tree
    if not path:
        return
    k = which % len(path)
    altered = [*path[:k], _flip(path[k], pos, mask), *path[k + 1:]]
    assert not verify_merkle_path(sha256, leaves[i], i, len(leaves), altered, root)


@settings(max_examples=200, deadline=None)
@given(trees(), st.integers(-3, MAX_SIZE + 3))
def test_wrong_index_fails(tree, j) -> None:
    leaves, i, path, root = tree
    if j == i:
        return
    assert not verify_merkle_path(sha256, leaves[i], j, len(leaves), path, root)


@settings(max_examples=200, deadline=None)
@given(trees(), st.integers(1, MAX_SIZE + 8))
def test_wrong_size_fails_when_it_changes_the_path_shape(tree, m) -> None:
    leaves, i, path, root = tree
    n = len(leaves)
    ok = verify_merkle_path(sha256, leaves[i], i, m, path, root)
    if m == n:
        assert ok
    elif i >= m or ref_directions(i, m) != ref_directions(i, n):
        assert not ok


@settings(max_examples=200, deadline=None)
@given(trees(), st.integers(0, 10_000))
def test_truncated_path_fails(tree, cut) -> None:
    leaves, i, path, root = tree
    if not path:
        return
    k = cut % len(path)
    n = len(leaves)
    assert not verify_merkle_path(sha256, leaves[i], i, n, path[:k], root)
    assert not verify_merkle_path(sha256, leaves[i], i, n, path[:k] + path[k + 1:], root)


@settings(max_examples=200, deadline=None)
@given(trees(), st.integers(0, 10_000), st.binary(min_size=0, max_size=40))
def test_extended_path_fails(tree, where, extra) -> None:
    leaves, i, path, root = tree
    n = len(leaves)
    k = where % (len(path) + 1)
    for candidate in (extra, root, sha256(extra)):
        assert not verify_merkle_path(sha256, leaves[i], i, n, [*path, candidate], root)
        longer = [*path[:k], candidate, *path[k:]]
        assert not verify_merkle_path(sha256, leaves[i], i, n, longer, root)


@settings(max_examples=100, deadline=None)
@given(trees(), st.binary(min_size=1, max_size=40))
def test_other_leaf_fails(tree, other) -> None:
    leaves, i, path, root = tree
    if other == leaves[i]:
        return
    assert not verify_merkle_path(sha256, other, i, len(leaves), path, root)
