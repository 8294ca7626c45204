"""RFC 9162 section 2.1 Merkle tree: hashes, roots, inclusion and consistency proofs.

Pure functions over 32-byte hashes; storage lives in app/ledger/tree.py. A proof is made
from the hashes of a few ranges of leaves (`RangeHash`), each a subtree of the RFC tree;
every such range is the concatenation of at most log2(n) perfect, aligned subtrees
(`subtrees`), which is what the database stores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]
"""Leaves [start, end) of the log."""
Subtree = tuple[int, int]
"""A perfect subtree as (level, index): leaves [index * 2**level, (index + 1) * 2**level)."""
RangeHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that does not verify, with the reason."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 section 2.1.1: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 section 2.1.1: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2): where MTH splits."""
    return 1 << ((n - 1).bit_length() - 1)


def subtrees(start: int, end: int) -> list[Subtree]:
    """The perfect aligned subtrees covering [start, end), left to right, largest first."""
    out: list[Subtree] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its `subtrees` hashes, as MTH splits it (right to left)."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes."""
    builder = TreeBuilder()
    for leaf in leaves:
        builder.append(leaf)
    return builder.root()


class TreeBuilder:
    """The right edge of a growing tree: the hashes of `subtrees(0, size)`.

    Appending a leaf merges equal-sized subtrees; each merge at `min_level` or above
    is recorded in `completed` as (level, index, hash) for the caller to store.
    """

    def __init__(self, size: int = 0, edge: Sequence[bytes] = (), *, min_level: int = 1) -> None:
        if len(edge) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge subtrees")
        self.size = size
        self.min_level = min_level
        self.completed: list[tuple[int, int, bytes]] = []
        self._edge = list(edge)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash."""
        edge = self._edge
        carry = self.size
        self.size = carry + 1
        if not carry & 1:  # half the leaves complete no subtree: the fast path of verify
            edge.append(leaf)
            return
        value = leaf
        level = 0
        while carry & 1:
            value = node_hash(edge.pop(), value)
            carry >>= 1
            level += 1
            if level >= self.min_level:
                self.completed.append((level, (self.size >> level) - 1, value))
        edge.append(value)

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        return fold(self._edge)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 2.1.3.1 PATH(index, D[size]) as the ranges whose hashes form it."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = lo + split(hi - lo)
        if index < k:
            out.append((k, hi))
            hi = k
        else:
            out.append((lo, k))
            lo = k
    out.reverse()
    return out


def consistency_ranges(first: int, second: int) -> list[Range]:
    """RFC 9162 2.1.4.1 PROOF(first, D[second]) as the ranges whose hashes form it."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    out: list[Range] = []
    lo, hi, whole = 0, second, True
    while first != hi - lo:
        k = lo + split(hi - lo)
        if first <= k - lo:
            out.append((k, hi))
            hi = k
        else:
            out.append((lo, k))
            first -= k - lo
            lo = k
            whole = False
    if not whole:
        out.append((lo, hi))
    out.reverse()
    return out


def inclusion_proof(index: int, size: int, range_hash: RangeHash) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of `size` leaves."""
    return [range_hash(start, end) for start, end in inclusion_ranges(index, size)]


def consistency_proof(first: int, second: int, range_hash: RangeHash) -> list[bytes]:
    """The proof that the tree of `first` leaves is a prefix of the tree of `second`."""
    return [range_hash(start, end) for start, end in consistency_ranges(first, second)]


def _check_hashes(*hashes: bytes) -> None:
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ProofError("a hash is not 32 bytes long")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """RFC 9162 2.1.3.2: raise ProofError unless `proof` puts `leaf` at `index` under the root."""
    _check_hashes(leaf, root_hash, *proof)
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path to the root")
    if r != root_hash:
        raise ProofError("the proof leads to another root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: raise ProofError unless the first tree is a prefix of the second."""
    _check_hashes(first_root, second_root, *proof)
    if not 0 <= first <= second:
        raise ProofError(f"size {first} cannot precede size {second}")
    if first == 0 or first == second:
        if proof:
            raise ProofError("the proof must be empty")
        if first == 0 and first_root != EMPTY_ROOT:
            raise ProofError("the root of the empty tree is not the hash of nothing")
        if first == second and first_root != second_root:
            raise ProofError("two different roots for one size")
        return
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path to the root")
    if fr != first_root:
        raise ProofError("the proof does not lead to the first root")
    if sr != second_root:
        raise ProofError("the proof does not lead to the second root")
