"""The durable queue: seqs only grow, acked events go, nothing committed is ever lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import orjson

from badge_readers.queue import EventQueue
from tests.badge_readers.factories import swipes

ROOT = Path(__file__).resolve().parents[2]


def test_seqs_continue_after_reopen_and_acked_events_are_gone(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    with EventQueue(path) as queue:
        assert queue.enqueue(swipes(3)) == range(1, 4)
        queue.ack([1, 2])
    with EventQueue(path) as queue:
        assert [p.seq for p in queue.peek(10)] == [3]
        assert queue.enqueue(swipes(2, start=3)) == range(4, 6)
        assert queue.depth() == 3


def test_a_drained_queue_never_reuses_a_seq(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    with EventQueue(path) as queue:
        queue.enqueue(swipes(5))
        queue.ack(range(1, 6))
    with EventQueue(path) as queue:
        assert queue.depth() == 0
        assert queue.last_seq() == 5
        assert queue.enqueue(swipes(1)) == range(6, 7)


def test_body_is_the_wire_event_with_its_seq(tmp_path: Path) -> None:
    with EventQueue(tmp_path / "rd.sqlite") as queue:
        queue.enqueue(swipes(1))
        (pending,) = queue.peek(1)
    assert orjson.loads(pending.body) == {
        "kind": "swipe",
        "seq": 1,
        "occurred_at": "2026-11-23T08:00:00+00:00",
        "badge_uid": "BADGE-0001",
        "result": "granted",
        "reason": None,
    }


def test_peek_returns_oldest_first_within_the_limit(tmp_path: Path) -> None:
    with EventQueue(tmp_path / "rd.sqlite") as queue:
        queue.enqueue(swipes(10))
        queue.ack([2])
        assert [p.seq for p in queue.peek(3)] == [1, 3, 4]


def test_dead_letter_keeps_the_event_and_the_server_message(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    with EventQueue(path) as queue:
        queue.enqueue(swipes(3))
        queue.dead_letter(2, status=409, message="seq 2 stored with other content")
    with EventQueue(path) as queue:
        assert [p.seq for p in queue.peek(10)] == [1, 3]
        (dead,) = queue.dead_letters()
    assert (dead.seq, dead.status, dead.message) == (2, 409, "seq 2 stored with other content")
    assert orjson.loads(dead.body)["seq"] == 2


def test_meta_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    with EventQueue(path) as queue:
        assert queue.get_meta("scenario") is None
        queue.set_meta({"scenario": "abc", "first": "1"})
    with EventQueue(path) as queue:
        assert (queue.get_meta("scenario"), queue.get_meta("first")) == ("abc", "1")


def _child(script: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = textwrap.dedent(script).replace("QUEUE_PATH", repr(str(path)))
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )


def test_exit_in_the_middle_of_an_enqueue_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    child = _child(
        """
        import os
        from pathlib import Path
        from badge_readers.queue import EventQueue
        from tests.badge_readers.factories import swipe, swipes

        queue = EventQueue(Path(QUEUE_PATH))
        queue.enqueue(swipes(4))

        def dies_half_way():
            yield from swipes(3, start=4)
            os._exit(9)

        queue.enqueue(dies_half_way())
        """,
        path,
    )
    assert child.wait(timeout=30) == 9
    with EventQueue(path) as queue:
        assert [p.seq for p in queue.peek(100)] == [1, 2, 3, 4]
        assert queue.last_seq() == 4
        assert queue.enqueue(swipes(1)) == range(5, 6)
    check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()
    assert check == ("ok",)


def test_kill_9_during_a_stream_of_writes_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    child = _child(
        """
        from pathlib import Path
        from badge_readers.queue import EventQueue
        from tests.badge_readers.factories import swipes

        queue = EventQueue(Path(QUEUE_PATH))
        i = 0
        while True:
            first, second = queue.enqueue(swipes(2, start=i))
            queue.ack([first])
            print(second, flush=True)
            i += 2
        """,
        path,
    )
    assert child.stdout is not None
    confirmed = [int(child.stdout.readline()) for _ in range(40)]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    with EventQueue(path) as queue:
        last = queue.last_seq()
        pending = {p.seq for p in queue.peek(100_000)}
    assert last % 2 == 0 and last >= confirmed[-1]
    # Every second event of a pair stays until acked; a first one only if the kill fell
    # between its pair's enqueue and the ack that followed.
    assert pending >= set(range(2, last + 1, 2))
    assert pending - set(range(2, last + 1, 2)) <= {last - 1}


def test_first_seq_numbers_only_a_new_queue(tmp_path: Path) -> None:
    path = tmp_path / "rd.sqlite"
    with EventQueue(path, first_seq=1_000) as queue:
        assert queue.enqueue(swipes(2)) == range(1_000, 1_002)
    with EventQueue(path, first_seq=1) as queue:
        assert queue.enqueue(swipes(1)) == range(1_002, 1_003)
