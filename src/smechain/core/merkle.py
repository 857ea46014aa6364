"""Merkle trees over a block's transactions and receipts (RFC 9162 shape).

Leaves are hashed as ``H(0x00 || leaf)`` and inner nodes as ``H(0x01 || l || r)``,
so a leaf can never pass for a node. An unbalanced tree splits at the largest
power of two below the size, as Certificate Transparency does; no leaf is
duplicated, so two different lists never share a root.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Hasher = Callable[[bytes], bytes]


def _leaf(h: Hasher, data: bytes) -> bytes:
    return h(b"\x00" + data)


def _node(h: Hasher, left: bytes, right: bytes) -> bytes:
    return h(b"\x01" + left + right)


def merkle_root(h: Hasher, leaves: Sequence[bytes]) -> bytes:
    """The root over ``leaves``; the empty tree's root is ``H(b"")``."""
    if not leaves:
        return h(b"")
    level = [_leaf(h, leaf) for leaf in leaves]
    # Pairing left to right and carrying an odd last node up unchanged builds
    # exactly the RFC 9162 tree (largest power of two on the left).
    while len(level) > 1:
        paired = [_node(h, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def merkle_path(h: Hasher, leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index``: sibling hashes from the leaf up."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"index {index} outside a tree of {len(leaves)} leaves")
    level = [_leaf(h, leaf) for leaf in leaves]
    path: list[bytes] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        paired = [_node(h, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
        index //= 2
    return path


def verify_merkle_path(
    h: Hasher, leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """True when ``leaf`` sits at ``index`` of a ``size``-leaf tree with ``root``."""
    if not 0 <= index < size:
        return False
    node = _leaf(h, leaf)
    position, width = index, size
    steps = iter(path)
    while width > 1:
        if position % 2 == 1:
            sibling = next(steps, None)
            if sibling is None:
                return False
            node = _node(h, sibling, node)
        elif position + 1 < width:
            sibling = next(steps, None)
            if sibling is None:
                return False
            node = _node(h, node, sibling)
        # else: the last odd node is carried up unchanged.
        position //= 2
        width = (width + 1) // 2
    return next(steps, None) is None and node == root
