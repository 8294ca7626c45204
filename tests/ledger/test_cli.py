"""The ledger commands against a real, committed database and files."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.db import make_engine, session_factory
from app.ledger import checkpoints, keys, proofs
from app.ledger.schemas import ConsistencyProofDoc, InclusionProofDoc
from tests.databases import migrated_database
from tests.ledger.factories import append_facts, go_around_triggers

runner = CliRunner()


def _vigie(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


def test_checkpoint_verify_export_and_tampering(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with migrated_database(backend, tmp_path) as url:
        monkeypatch.setenv("VIGIE_DATABASE_URL", url)
        monkeypatch.setenv("VIGIE_VAR_DIR", str(tmp_path / "var"))
        engine = make_engine(url)
        sessions = session_factory(engine)
        try:
            with sessions.begin() as session:
                append_facts(session, 40)
            code, out = _vigie("checkpoint")
            assert code == 0 and out.startswith("vigie.local/ledger\n40\n")

            code, out = _vigie("verify")
            assert code == 0, out
            assert "40 entries, 1 stored nodes, 1 checkpoints" in out and "ledger verified" in out

            exported = tmp_path / "ledger.jsonl"
            assert _vigie("export-ledger", str(exported))[0] == 0
            code, out = _vigie("verify", "--export", str(exported))
            assert code == 0 and "ledger verified" in out

            with sessions.begin() as session:
                go_around_triggers(session, "ledger_entry")
                session.execute(
                    text('UPDATE ledger_entry SET entry = :e WHERE "index" = 7'), {"e": b"{}"}
                )
            code, out = _vigie("verify")
            assert code == 1
            assert "FAIL entry 7: its bytes hash to" in out and "LEDGER DOES NOT VERIFY" in out
        finally:
            engine.dispose()


def _proof_files(session: Session, tmp_path: Path) -> tuple[Path, Path]:
    inclusion = InclusionProofDoc.model_validate(
        proofs.inclusion(session, index=4, leaf_hash=None, size=None)
    )
    consistency = ConsistencyProofDoc.model_validate(
        proofs.consistency(session, first=10, second=None)
    )
    paths = tmp_path / "inclusion.json", tmp_path / "consistency.json"
    paths[0].write_text(inclusion.model_dump_json())
    paths[1].write_text(consistency.model_dump_json())
    return paths


def test_verify_proof_needs_only_the_public_key(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    signer = keys.load_signer(settings)
    append_facts(session, 10)
    checkpoints.create(session, signer=signer)
    append_facts(session, 9)
    checkpoints.create(session, signer=signer)
    inclusion, consistency = _proof_files(session, tmp_path)
    key_file = tmp_path / "key.pub"
    key_file.write_text(signer.verifier.text() + "\n")
    monkeypatch.setenv("VIGIE_DATABASE_URL", "postgresql://nowhere.invalid/none")

    code, out = _vigie("verify-proof", str(inclusion), "--public-key", str(key_file))
    assert code == 0 and "fact 4 is in the tree of 19 facts" in out
    code, out = _vigie("verify-proof", str(consistency), "--public-key", signer.verifier.text())
    assert code == 0 and "tree of 10 facts is a prefix of the tree of 19 facts" in out

    doc = orjson.loads(inclusion.read_bytes())
    doc["index"] = 5
    inclusion.write_bytes(orjson.dumps(doc))
    code, out = _vigie("verify-proof", str(inclusion), "--public-key", str(key_file))
    assert code == 1 and "FAIL" in out

    other = keys.load_signer(Settings(var_dir=tmp_path / "other")).verifier.text()
    code, out = _vigie("verify-proof", str(consistency), "--public-key", other)
    assert code == 1 and "FAIL the note is not signed by" in out

    consistency.write_text("{not json")
    code, out = _vigie("verify-proof", str(consistency), "--public-key", str(key_file))
    assert code == 1 and "FAIL" in out
    code, out = _vigie("verify-proof", str(consistency), "--public-key", "garbage")
    assert code == 2 and "verifier key" in out
