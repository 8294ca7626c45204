"""`vigie-reader`: simulate, flush, status, load, through the command line."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from badge_readers.cli import cli
from badge_readers.queue import EventQueue
from tests.badge_readers.factories import swipes, write_plan
from tests.badge_readers.fake_ingest import FakeIngest

runner = CliRunner()


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Path, dict[str, Ed25519PrivateKey]]:
    return write_plan(tmp_path)


@pytest.fixture
def server(planned: tuple[Path, dict[str, Ed25519PrivateKey]]) -> Iterator[FakeIngest]:
    keys = {code: key.public_key() for code, key in planned[1].items()}
    fake = FakeIngest(keys).start()
    yield fake
    fake.stop()


def test_simulate_then_status(
    planned: tuple[Path, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    queues = str(tmp_path / "q")
    common = ["--plan", str(planned[0]), "--server", server.url, "--queue-dir", queues]
    result = runner.invoke(cli, ["simulate", *common, "--seed", "3", "--start", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "0 still queued" in result.output
    assert len(server.stored) > 1000
    status = runner.invoke(cli, ["status", "--queue-dir", queues])
    assert status.exit_code == 0
    lines = status.output.splitlines()
    assert len(lines) == 6 and lines[1].split()[:2] == ["RD-AL-INNER", "0"]


def test_flush_delivers_what_a_run_left_queued(
    planned: tuple[Path, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    with EventQueue(tmp_path / "q" / "RD-ENT-IN.sqlite") as queue:
        queue.enqueue(swipes(7))
    args = ["flush", "--plan", str(planned[0]), "--server", server.url]
    result = runner.invoke(cli, [*args, "--queue-dir", str(tmp_path / "q")])
    assert result.exit_code == 0, result.output
    assert "RD-ENT-IN: 7 accepted" in result.output
    assert len(server.stored) == 7


def test_flush_against_no_server_fails_and_keeps_the_events(
    planned: tuple[Path, dict[str, Ed25519PrivateKey]], tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with EventQueue(tmp_path / "q" / "RD-ENT-IN.sqlite") as queue:
        queue.enqueue(swipes(2))
    args = ["flush", "--plan", str(planned[0]), "--server", url, "--retry-budget", "0.1"]
    result = runner.invoke(cli, [*args, "--queue-dir", str(tmp_path / "q")])
    assert result.exit_code == 1
    assert "2 events still queued" in result.output


def test_status_lists_dead_letters(tmp_path: Path) -> None:
    with EventQueue(tmp_path / "RD-X.sqlite") as queue:
        queue.enqueue(swipes(2))
        queue.dead_letter(1, status=409, message="seq 1 stored with other content")
    result = runner.invoke(cli, ["status", "--queue-dir", str(tmp_path), "--dead"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1].split() == ["RD-X", "1", "2", "1"]
    assert "seq 1: 409 seq 1 stored with other content" in result.output


def test_load_sends_the_swipes(
    planned: tuple[Path, dict[str, Ed25519PrivateKey]], server: FakeIngest, tmp_path: Path
) -> None:
    args = ["load", "--plan", str(planned[0]), "--server", server.url, "--count", "2003"]
    result = runner.invoke(cli, [*args, "--queue-dir", str(tmp_path / "q"), "--batch-size", "100"])
    assert result.exit_code == 0, result.output
    assert "2003 accepted" in result.output
    assert len(server.stored) == 2003
    assert {len(r.seqs) for r in server.received} == {100, 1}  # 401 = 4 x 100 + 1


def test_a_bad_plan_is_a_usage_error(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"readers": []}')
    args = ["simulate", "--plan", str(plan), "--server", "http://127.0.0.1:1"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "at least 1" in result.output
