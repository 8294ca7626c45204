"""Full verification finds any alteration made around the triggers, at its exact place."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.ledger import checkpoints, export, merkle
from app.ledger.note import Signer
from app.ledger.verify import DatabaseSource, Report, verify_log
from tests.ledger.factories import append_facts, go_around_triggers

SIGNER = Signer("vigie.test/log", Ed25519PrivateKey.generate())


def _log(session: Session) -> None:
    """80 facts, checkpoints at 40 and 80."""
    append_facts(session, 40)
    checkpoints.create(session, signer=SIGNER)
    append_facts(session, 40)
    checkpoints.create(session, signer=SIGNER)


def _verify(session: Session) -> Report:
    return verify_log(DatabaseSource(session), SIGNER.verifier)


def test_an_untouched_log_verifies(session: Session) -> None:
    _log(session)
    report = _verify(session)
    assert report.ok, report.failures
    assert (report.size, report.nodes, report.checkpoints) == (80, 3, 2)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET entry = NULL",
        "UPDATE ledger_entry SET leaf_hash = leaf_hash",
        'DELETE FROM ledger_entry WHERE "index" = 3',
        "UPDATE ledger_node SET hash = hash",
        "DELETE FROM ledger_node",
        "UPDATE ledger_checkpoint SET note = ''",
        "DELETE FROM ledger_checkpoint",
    ],
)
def test_the_database_refuses_updates_and_deletes(session: Session, statement: str) -> None:
    _log(session)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert _verify(session).ok


def test_altered_entry_bytes_are_found_at_their_index(session: Session) -> None:
    _log(session)
    go_around_triggers(session, "ledger_entry")
    session.execute(
        text('UPDATE ledger_entry SET entry = :e WHERE "index" = 27'), {"e": b'{"forged":1}'}
    )
    failures = _verify(session).failures
    assert failures[0].startswith("entry 27: its bytes hash to")
    assert failures[1].startswith("entries 0..31 differ from the tree stored")


def test_altered_leaf_hash_is_found_at_its_index(session: Session) -> None:
    _log(session)
    go_around_triggers(session, "ledger_entry")
    session.execute(
        text('UPDATE ledger_entry SET leaf_hash = :h WHERE "index" = 5'), {"h": bytes(32)}
    )
    failure = _verify(session).failures[0]
    assert failure.startswith("entry 5: its bytes hash to")
    assert f"the stored leaf hash is {bytes(32).hex()}" in failure


def test_a_consistent_rewrite_is_found_by_the_stored_tree_and_the_checkpoint(
    session: Session,
) -> None:
    _log(session)
    go_around_triggers(session, "ledger_entry")
    forged = b'{"index":9,"forged":true}'
    session.execute(
        text('UPDATE ledger_entry SET entry = :e, leaf_hash = :h WHERE "index" = 9'),
        {"e": forged, "h": merkle.leaf_hash(forged)},
    )
    failures = _verify(session).failures
    assert failures[0].startswith("entries 0..31 differ from the tree stored")
    assert any(f.startswith("checkpoint at size 40: signed root") for f in failures)


def test_a_deleted_row_is_found_at_its_index(session: Session) -> None:
    _log(session)
    go_around_triggers(session, "ledger_entry")
    session.execute(text('DELETE FROM ledger_entry WHERE "index" = 12'))
    assert _verify(session).failures[0] == "entry 12 is missing: the next stored entry is 13"


def test_swapped_rows_are_found_by_the_index_inside_the_bytes(session: Session) -> None:
    _log(session)
    go_around_triggers(session, "ledger_entry")
    session.execute(text('UPDATE ledger_entry SET "index" = -1 WHERE "index" = 2'))
    session.execute(text('UPDATE ledger_entry SET "index" = 2 WHERE "index" = 3'))
    session.execute(text('UPDATE ledger_entry SET "index" = 3 WHERE "index" = -1'))
    assert _verify(session).failures[0] == "entry 2: its bytes name index 3"


def test_an_altered_node_or_checkpoint_is_found(session: Session) -> None:
    _log(session)
    go_around_triggers(session, "ledger_node")
    go_around_triggers(session, "ledger_checkpoint")
    session.execute(text('UPDATE ledger_node SET hash = :h WHERE "index" = 1'), {"h": bytes(32)})
    session.execute(text("UPDATE ledger_checkpoint SET note = 'x' WHERE size = 80"))
    failures = _verify(session).failures
    assert failures[0].startswith("entries 32..63 differ from the tree stored")
    assert failures[1] == "checkpoint at size 80: the note has no signature block"


def test_a_checkpoint_signed_by_another_key_fails(session: Session) -> None:
    append_facts(session, 3)
    checkpoints.create(session, signer=Signer("vigie.test/log", Ed25519PrivateKey.generate()))
    assert _verify(session).failures == [
        "checkpoint at size 3: the note is not signed by vigie.test/log"
    ]


def test_an_export_verifies_and_its_alteration_is_found(session: Session, tmp_path: Path) -> None:
    _log(session)
    path = tmp_path / "ledger.jsonl"
    with path.open("wb") as out:
        assert export.write(session, out) == 80
    report = verify_log(export.ExportSource(path), SIGNER.verifier)
    assert report.ok and report.checkpoints == 2 and report.root_hash == _verify(session).root_hash

    lines = path.read_bytes().splitlines(keepends=True)
    del lines[8]  # the line of entry 7
    path.write_bytes(b"".join(lines))
    failures = verify_log(export.ExportSource(path), SIGNER.verifier).failures
    assert failures[0] == "entry 7 is missing: the next stored entry is 8"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "line 1: not JSON"),
        (b'{"format": "other"}\n', "line 1: not a vigie-ledger/1 export"),
        (b'{"format": "vigie-ledger/1", "size": -1, "checkpoints": []}\n', "size"),
        (b'{"format": "vigie-ledger/1", "size": 1, "checkpoints": [1]}\n', "checkpoint"),
    ],
)
def test_malformed_exports_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(export.ExportError, match=message):
        export.ExportSource(path)
