"""Writers appending at once, with real commits: no fork, no reused index, a valid tree."""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import make_engine, session_factory
from app.ledger import checkpoints
from app.ledger import service as ledger
from app.ledger.models import LedgerEntry
from app.ledger.note import Signer
from app.ledger.verify import DatabaseSource, verify_log
from tests.databases import migrated_database
from tests.ledger.factories import fact

WRITERS = 4
ROUNDS = 15
BATCH = 5


def test_concurrent_writers_never_fork_the_log(backend: str, tmp_path: Path) -> None:
    signer = Signer("vigie.test/log", Ed25519PrivateKey.generate())
    with migrated_database(backend, tmp_path) as url:
        engine = make_engine(url)
        sessions = session_factory(engine)
        start = threading.Barrier(WRITERS)
        errors: list[BaseException] = []
        got: list[list[int]] = [[] for _ in range(WRITERS)]

        def write(writer: int) -> None:
            try:
                for round_ in range(ROUNDS):
                    start.wait()  # every writer's transaction is in flight at once
                    with sessions.begin() as session:
                        batch = [fact(writer * 1000 + round_ * 10 + i) for i in range(BATCH)]
                        got[writer] += [a.index for a in ledger.append_many(session, batch)]
                        if round_ % 5 == 4:
                            checkpoints.create(session, signer=signer)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                start.abort()

        threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            assert errors == []
            total = WRITERS * ROUNDS * BATCH
            indexes = sorted(i for mine in got for i in mine)
            assert indexes == list(range(total))
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(LedgerEntry)) == total
                report = verify_log(DatabaseSource(session), signer.verifier)
            assert report.ok, report.failures
            assert report.size == total and report.checkpoints > 0
        finally:
            engine.dispose()
