"""Single posts stored in groups (app/physical/group_commit.py): each answered as if alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.errors import Conflict, Forbidden, Invalid, Unauthenticated
from app.ledger import service as ledger
from app.physical import singles
from app.physical.group_commit import GroupWriter
from app.physical.models import PhysicalEvent
from app.physical.schemas import EVENT, EventResult
from app.physical.singles import SinglePost
from tests.physical.factories import door_event, make_reader, post_for, swipe

Outcome = EventResult | BaseException


def single(sessions: sessionmaker[Session], code: str, payload: dict[str, Any]) -> SinglePost:
    """A verified single post of this reader."""
    body = orjson.dumps(payload)
    with sessions() as session:
        return SinglePost(post=post_for(session, code, body), event=EVENT.validate_json(body))


def store_in_one_group(
    writer: GroupWriter,
    first: SinglePost,
    group: Sequence[SinglePost],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[Outcome], list[int]]:
    """Store `first` alone while `group` queues behind its commit, then `group` together.

    Returns every post's outcome, in order, and the size of each transaction the writer ran.
    """
    sizes: list[int] = []
    started = threading.Event()
    release = threading.Event()
    real = singles.store_group

    def held(session: Session, posts: Sequence[SinglePost], *, settings: Settings) -> list[Any]:
        sizes.append(len(posts))
        if len(sizes) == 1:  # the first transaction stays open until the others are queued
            started.set()
            assert release.wait(timeout=10)
        return real(session, posts, settings=settings)

    monkeypatch.setattr("app.physical.group_commit.store_group", held)

    async def run() -> list[Outcome]:
        alone = asyncio.ensure_future(writer.store(first))
        while not started.is_set():
            await asyncio.sleep(0.001)
        together = [asyncio.ensure_future(writer.store(post)) for post in group]
        await asyncio.sleep(0)  # each store() runs up to its await: its post is queued
        release.set()
        return await asyncio.gather(alone, *together, return_exceptions=True)

    return asyncio.run(run()), sizes


def stored(sessions: sessionmaker[Session]) -> list[tuple[int, int, bytes]]:
    """(reader id, seq, content hash) of every stored event."""
    with sessions() as session:
        rows = session.execute(
            select(PhysicalEvent.reader_id, PhysicalEvent.seq, PhysicalEvent.content_hash)
        )
        return sorted(tuple(row) for row in rows)  # type: ignore[misc]


def log_size(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return ledger.size(session)


def test_a_conflict_in_a_group_leaves_the_other_posts_stored(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with committed.begin() as session:
        a, b = make_reader(session).code, make_reader(session).code
    writer = GroupWriter(committed, Settings())
    original = single(committed, a, swipe(1, "UID:1"))
    group = [
        single(committed, a, swipe(1, "UID:2")),  # seq 1 again, other content
        single(committed, b, swipe(1, "UID:2")),
        single(committed, a, swipe(2, "UID:2")),
    ]
    outcomes, sizes = store_in_one_group(writer, original, group, monkeypatch)
    assert sizes == [1, 3]
    first, refused, other_reader, next_seq = outcomes
    assert isinstance(first, EventResult) and first.status == "accepted"
    assert isinstance(refused, Conflict)
    assert isinstance(other_reader, EventResult) and other_reader.status == "accepted"
    assert isinstance(next_seq, EventResult) and next_seq.status == "accepted"
    assert len(stored(committed)) == 3
    assert log_size(committed) == 3


def test_the_original_is_kept_when_a_group_member_conflicts(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with committed.begin() as session:
        code = make_reader(session).code
    writer = GroupWriter(committed, Settings())
    event = swipe(7, "UID:1")
    outcomes, _ = store_in_one_group(
        writer,
        single(committed, code, event),
        [single(committed, code, {**event, "badge_uid": "UID:9"})],
        monkeypatch,
    )
    assert isinstance(outcomes[1], Conflict)
    assert outcomes[1].details == {"seqs": [7]}
    again = asyncio.run(writer.store(single(committed, code, event)))
    assert isinstance(outcomes[0], EventResult)
    assert (again.status, again.index) == ("duplicate", outcomes[0].index)


def test_the_same_seq_twice_in_one_group_is_stored_once(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with committed.begin() as session:
        code = make_reader(session).code
    writer = GroupWriter(committed, Settings())
    retried = swipe(5, "UID:5")
    group = [
        single(committed, code, retried),
        single(committed, code, retried),  # a retry of the same post
        single(committed, code, swipe(6, "UID:6")),
        single(committed, code, swipe(6, "UID:7")),  # seq 6 with other content
    ]
    outcomes, sizes = store_in_one_group(
        writer, single(committed, code, swipe(1)), group, monkeypatch
    )
    assert sizes == [1, 4]
    _, five, five_again, six, six_other = outcomes
    assert isinstance(five, EventResult) and isinstance(five_again, EventResult)
    assert (five.status, five_again.status) == ("accepted", "duplicate")
    assert five_again.index == five.index
    assert isinstance(six, EventResult) and six.status == "accepted"
    assert isinstance(six_other, Conflict)
    assert [seq for _, seq, _ in stored(committed)] == [1, 5, 6]
    assert log_size(committed) == 3


def test_a_failed_commit_answers_every_member_and_stores_nothing(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with committed.begin() as session:
        code = make_reader(session).code
    posts = [single(committed, code, swipe(seq)) for seq in (1, 2, 3)]

    class CommitFails(Session):
        def commit(self) -> None:
            raise OperationalError("COMMIT", None, Exception("the disk is full"))

    failing = cast("sessionmaker[Session]", sessionmaker(committed.kw["bind"], class_=CommitFails))
    writer = GroupWriter(failing, Settings())
    outcomes, sizes = store_in_one_group(writer, posts[0], posts[1:], monkeypatch)
    assert sizes == [1, 2]
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes)
    assert stored(committed) == []
    assert log_size(committed) == 0


def test_a_statement_failure_in_a_group_reruns_each_post_alone(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with committed.begin() as session:
        code = make_reader(session).code
    writer = GroupWriter(committed, Settings())
    one = swipe(1)
    asyncio.run(writer.store(single(committed, code, one)))
    # As if a writer that skips the reader lock had looked before seq 1 was committed:
    # the copy of seq 1 reaches the UNIQUE constraint, inside the group's transaction.
    real = singles._stored_query
    monkeypatch.setattr(singles, "_stored_query", lambda dialect, _: real(dialect, {(-1, -1)}))
    group = [single(committed, code, one), single(committed, code, swipe(2))]
    outcomes, sizes = store_in_one_group(
        writer, single(committed, code, swipe(3)), group, monkeypatch
    )
    assert sizes == [1, 2, 1, 1]  # the group failed, then each of its posts alone
    _, copy, second = outcomes
    assert isinstance(copy, IntegrityError)  # answered 409 by app.http_errors
    assert isinstance(second, EventResult) and second.status == "accepted"
    assert [seq for _, seq, _ in stored(committed)] == [1, 2, 3]
    assert log_size(committed) == 3


def test_two_workers_posting_the_same_seqs_store_each_once(
    committed: sessionmaker[Session],
) -> None:
    with committed.begin() as session:
        codes = [make_reader(session).code for _ in range(3)]
    workers = [GroupWriter(committed, Settings()) for _ in range(2)]
    events = [swipe(seq) for seq in range(1, 11)]
    posts = [[single(committed, code, event) for code in codes] for event in events]

    async def run() -> list[Outcome]:
        # Each worker gets every post, the readers in opposite orders: their groups lock
        # overlapping sets of readers, which must neither deadlock nor store twice.
        tasks = [
            asyncio.ensure_future(worker.store(post))
            for seq_posts in posts
            for worker, order in zip(workers, (1, -1), strict=True)
            for post in seq_posts[::order]
        ]
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(run())
    assert all(isinstance(outcome, EventResult) for outcome in outcomes), outcomes
    statuses = [outcome.status for outcome in outcomes if isinstance(outcome, EventResult)]
    assert statuses.count("accepted") == 30
    assert statuses.count("duplicate") == 30
    assert len(stored(committed)) == 30
    assert log_size(committed) == 30


def test_each_refusal_in_a_group_is_its_own(session: Session, settings: Settings) -> None:
    here, there = make_reader(session), make_reader(session)
    rotated = make_reader(session)
    far = datetime.now(UTC) + timedelta(days=1)
    payloads = [
        (here, door_event(1, door=there.door.code)),  # 403: not its door
        (here, swipe(2, at=far)),  # 422: in the future
        (rotated, swipe(1)),  # 401: its key changed after the check
        (here, swipe(3)),
    ]
    posts = [
        SinglePost(post=post_for(session, r.code, b""), event=EVENT.validate_json(orjson.dumps(p)))
        for r, p in payloads
    ]
    rotated.row.public_key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    session.flush()
    forbidden, invalid, unauthenticated, accepted = singles.store_group(
        session, posts, settings=settings
    )
    assert isinstance(forbidden, Forbidden)
    assert isinstance(invalid, Invalid)
    assert isinstance(unauthenticated, Unauthenticated)
    assert isinstance(accepted, EventResult) and accepted.status == "accepted"
    rows = session.execute(select(PhysicalEvent.reader_id, PhysicalEvent.seq)).all()
    assert [tuple(row) for row in rows] == [(here.row.id, 3)]
    assert ledger.size(session) == 1
