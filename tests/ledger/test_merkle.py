"""The Merkle tree against the RFC 6962 test vectors, and properties of every proof."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ledger import merkle
from app.ledger.merkle import ProofError

# The 8-leaf example tree of the Certificate Transparency implementations (RFC 6962 test
# data, as in transparency-dev/merkle proof/verify_test.go and rfc6962_test.go).
LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243",
          "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [bytes.fromhex(h) for h in [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]  # fmt: skip
H = {
    "96a2": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f08": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    "bc1a": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca85": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37e": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "fac5": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "6e34": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "0ebc": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "b086": "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
}
# (leaf index, tree size, proof): the vectors number leaves from 1, here from 0.
INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a2", "5f08", "6b47"]),
    (5, 8, ["bc1a", "ca85", "d37e"]),
    (2, 3, ["fac5"]),
    (1, 5, ["6e34", "5f08", "bc1a"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a2", "5f08", "6b47"]),
    (6, 8, ["0ebc", "ca85", "d37e"]),
    (2, 5, ["5f08", "bc1a"]),
    (6, 7, ["0ebc", "b086", "d37e"]),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hashes(names: list[str]) -> list[bytes]:
    return [bytes.fromhex(H[n]) for n in names]


def _range_hash(leaves: list[bytes]) -> merkle.RangeHash:
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    return lambda start, end: merkle.root(hashes[start:end])


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_published_vectors(size: int) -> None:
    assert merkle.root([merkle.leaf_hash(leaf) for leaf in LEAVES[:size]]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(
    index: int, size: int, proof: list[str]
) -> None:
    expected = _hashes(proof)
    assert merkle.inclusion_proof(index, size, _range_hash(LEAVES)) == expected
    merkle.verify_inclusion(index, size, merkle.leaf_hash(LEAVES[index]), expected, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(
    first: int, second: int, proof: list[str]
) -> None:
    expected = _hashes(proof)
    assert merkle.consistency_proof(first, second, _range_hash(LEAVES)) == expected
    merkle.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second - 1], expected)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[1:])
def test_corrupted_inclusion_vectors_fail(index: int, size: int, proof: list[str]) -> None:
    good, leaf, root = _hashes(proof), merkle.leaf_hash(LEAVES[index]), ROOTS[size - 1]
    probes = [
        (index - 1, size, leaf, good, root),
        (index + 1, size, leaf, good, root),
        (index ^ 2, size, leaf, good, root),
        (index, size * 2, leaf, good, root),
        (index, size // 2, leaf, good, root),
        (index, size, SOME_HASH, good, root),
        (index, size, leaf, good, merkle.EMPTY_ROOT),
        (index, size, leaf, [*good, root], root),
        (index, size, leaf, [root, *good], root),
        (index, size, leaf, good[:-1], root),
        (index, size, leaf, [*good[:-1], b""], root),
    ]
    for i in range(len(good)):
        flipped = list(good)
        flipped[i] = bytes([good[i][0] ^ 8]) + good[i][1:]
        probes.append((index, size, leaf, flipped, root))
    for probe in probes:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*probe)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_vectors_fail(first: int, second: int, proof: list[str]) -> None:
    good, r1, r2 = _hashes(proof), ROOTS[first - 1], ROOTS[second - 1]
    probes = [
        (first - 1, second, r1, r2, good),
        (first + 1, second, r1, r2, good),
        (first ^ 2, second, r1, r2, good),
        (first, second * 2, r1, r2, good),
        (first, second // 2, r1, r2, good),
        (first, second, SOME_HASH, r2, good),
        (first, second, r1, SOME_HASH, good),
        (first, second, r2, r1, good),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*good, r1]),
        (first, second, r1, r2, [*good, r2]),
        (first, second, r1, r2, [r1, *good]),
        (first, second, r1, r2, [good[0], *good]),
        (first, second, r1, r2, good[:-1]),
    ]
    for i in range(len(good)):
        flipped = list(good)
        flipped[i] = bytes([good[i][0] ^ 16]) + good[i][1:]
        probes.append((first, second, r1, r2, flipped))
    for probe in probes:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*probe)


def test_trivial_consistency_needs_an_empty_proof_and_matching_roots() -> None:
    merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, ROOTS[4], [])
    merkle.verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    for probe in [
        (3, 3, ROOTS[2], ROOTS[3], []),
        (3, 3, ROOTS[2], ROOTS[2], [ROOTS[2]]),
        (0, 5, ROOTS[0], ROOTS[4], []),
        (2, 1, ROOTS[1], ROOTS[0], []),
    ]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*probe)


def test_ranges_outside_the_tree_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        merkle.inclusion_ranges(8, 8)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_ranges(9, 8)


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_subtrees_are_aligned_perfect_and_cover_the_range(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    position = start
    for level, index in merkle.subtrees(start, end):
        assert index << level == position
        position += 1 << level
    assert position == end


def _tree(size: int) -> tuple[list[bytes], merkle.RangeHash]:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    return leaves, lambda start, end: merkle.root(leaves[start:end])


def _flip(proof: list[bytes], position: int) -> list[bytes]:
    altered = list(proof)
    altered[position] = bytes([altered[position][0] ^ 1]) + altered[position][1:]
    return altered


@st.composite
def _inclusion(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, 300))
    return draw(st.integers(0, size - 1)), size


@given(_inclusion(), st.data())
def test_every_inclusion_proof_verifies_and_any_alteration_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    index, size = case
    leaves, range_hash = _tree(size)
    root = range_hash(0, size)
    proof = merkle.inclusion_proof(index, size, range_hash)
    merkle.verify_inclusion(index, size, leaves[index], proof, root)

    other = data.draw(st.integers(0, size + 5).filter(lambda i: i != index))
    # A tree size is bound to its root by the signed checkpoint, not by the proof: sizes
    # whose path has the same shape share proofs, so the altered sizes change the shape.
    bad = [
        (index, size, merkle.leaf_hash(b"other"), proof, root),
        (other, size, leaves[index], proof, root),
        (index, size * 2, leaves[index], proof, root),
        (index, size, leaves[index], proof, merkle.node_hash(root, root)),
        (index, size, leaves[index], [*proof, root], root),
    ]
    if size % 2 == 0 and index < size // 2:
        bad.append((index, size // 2, leaves[index], proof, root))
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        bad.append((index, size, leaves[index], _flip(proof, position), root))
        bad.append((index, size, leaves[index], proof[:-1], root))
    for probe in bad:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*probe)


@st.composite
def _consistency(draw: st.DrawFn) -> tuple[int, int]:
    second = draw(st.integers(2, 300))
    return draw(st.integers(1, second - 1)), second


@given(_consistency(), st.data())
def test_every_consistency_proof_verifies_and_any_alteration_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    first, second = case
    _, range_hash = _tree(second)
    r1, r2 = range_hash(0, first), range_hash(0, second)
    proof = merkle.consistency_proof(first, second, range_hash)
    merkle.verify_consistency(first, second, r1, r2, proof)

    other = data.draw(st.integers(1, second).filter(lambda s: s != first))
    position = data.draw(st.integers(0, len(proof) - 1))
    bad = [
        (other, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second, merkle.node_hash(r1, r1), r2, proof),
        (first, second, r1, merkle.node_hash(r2, r2), proof),
        (first, second, r1, r2, _flip(proof, position)),
        (first, second, r1, r2, proof[:-1]),
        (first, second, r1, r2, [*proof, r2]),
    ]
    for probe in bad:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*probe)


@given(st.integers(0, 300), st.integers(0, 6), st.data())
def test_builder_resumed_from_its_edge_matches_the_root(
    size: int, min_level: int, data: st.DataObject
) -> None:
    leaves, range_hash = _tree(size)
    cut = data.draw(st.integers(0, size))
    edge = [range_hash(i << lvl, (i + 1) << lvl) for lvl, i in merkle.subtrees(0, cut)]
    builder = merkle.TreeBuilder(cut, edge, min_level=min_level)
    for leaf in leaves[cut:]:
        builder.append(leaf)
    assert builder.root() == range_hash(0, size)
    for level, index, value in builder.completed:
        assert level >= min_level
        assert value == range_hash(index << level, (index + 1) << level)
