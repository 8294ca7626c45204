"""The stored tree answers exactly what the pure RFC 9162 functions compute."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.ledger import merkle, tree
from app.ledger.models import LedgerNode
from tests.ledger.factories import append_facts, leaf_hashes


def test_roots_of_every_size_match_the_recomputed_tree(session: Session) -> None:
    append_facts(session, 70, batch=9)
    leaves = leaf_hashes(session)
    for size in range(71):
        assert tree.root(session, size) == merkle.root(leaves[:size])


def test_only_subtrees_of_32_leaves_or_more_are_stored(session: Session) -> None:
    append_facts(session, 128, batch=5)
    levels = session.execute(
        select(LedgerNode.level, func.count()).group_by(LedgerNode.level).order_by(LedgerNode.level)
    ).all()
    assert [tuple(row) for row in levels] == [(5, 4), (6, 2), (7, 1)]


@pytest.mark.parametrize("batch", [1, 32, 70])
def test_proofs_from_the_database_verify(session: Session, batch: int) -> None:
    append_facts(session, 100, batch=batch)
    leaves = leaf_hashes(session)
    for size in (1, 33, 65, 100):
        for index in {0, size // 2, size - 1}:
            proof, root = tree.inclusion(session, index=index, size=size)
            assert root == merkle.root(leaves[:size])
            merkle.verify_inclusion(index, size, leaves[index], proof, root)
    for first, second in [(1, 100), (32, 64), (33, 97), (63, 65), (100, 100)]:
        proof, r1, r2 = tree.consistency(session, first=first, second=second)
        merkle.verify_consistency(first, second, r1, r2, proof)
