"""`vigie devices`: a reader's private key is shown once and matches the stored public key."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import select
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import Settings
from app.db import command_session
from app.topology.models import Reader
from tests.databases import migrated_database, scratch_database
from tests.topology import factories as f

runner = CliRunner()


@pytest.fixture(scope="module")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A committed database for the commands of this module (each test uses its own codes)."""
    with migrated_database(backend, tmp_path_factory.mktemp("cli")) as url:
        yield url


@pytest.fixture
def door(database: str) -> str:
    """The code of a new door, committed."""
    with command_session(Settings(database_url=database)) as session:
        place = f.site(session)
        return str(f.door(session, place.lobby, place.hall).code)


def vigie(database: str, tmp_path: Path, *args: str) -> Result:
    env = {"VIGIE_DATABASE_URL": database, "VIGIE_VAR_DIR": str(tmp_path)}
    return runner.invoke(cli, list(args), env=env)


def stored_key(database: str, code: str) -> bytes | None:
    with command_session(Settings(database_url=database)) as session:
        return session.scalar(select(Reader.public_key).where(Reader.code == code))


def public_half(pem: bytes) -> bytes:
    key = load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_add_prints_a_pkcs8_key_whose_public_half_is_stored(
    database: str, door: str, tmp_path: Path
) -> None:
    code = f.code("R")
    result = vigie(
        database, tmp_path, "devices", "add", "--code", code, "--door", door, "--direction", "in"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_half(result.stdout.encode()) == stored_key(database, code)
    assert f"registered reader {code}" in result.stderr


def test_add_can_write_the_key_to_a_private_file(database: str, door: str, tmp_path: Path) -> None:
    code, path = f.code("R"), tmp_path / "keys" / "reader.pem"
    result = vigie(
        database, tmp_path, "devices", "add", "--code", code, "--door", door,
        "--direction", "out", "--key-out", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "PRIVATE KEY" not in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_half(path.read_bytes()) == stored_key(database, code)
    assert [p.name for p in path.parent.iterdir()] == ["reader.pem"]


def test_rotate_gives_an_existing_reader_a_new_key_and_records_it(
    database: str, door: str, tmp_path: Path
) -> None:
    code = f.code("R")
    vigie(database, tmp_path, "devices", "add", "--code", code, "--door", door, "--direction", "in")
    first = stored_key(database, code)
    again = vigie(
        database, tmp_path, "devices", "add", "--code", code, "--door", door, "--direction", "in"
    )
    assert again.exit_code == 1
    assert "pass --rotate" in again.stderr
    assert stored_key(database, code) == first

    rotated = vigie(database, tmp_path, "devices", "add", "--code", code, "--rotate")
    assert rotated.exit_code == 0, rotated.output
    assert public_half(rotated.stdout.encode()) == stored_key(database, code) != first
    with command_session(Settings(database_url=database)) as session:
        fact = f.facts(session, "topology.reader.updated")[-1]
    assert fact["body"]["changed"] == ["public_key"]
    assert fact["actor"]["kind"] == "cli"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--door", "NO-SUCH-DOOR", "--direction", "in"], "no door with code NO-SUCH-DOOR"),
        (["--door", "{door}"], "needs a door and a direction"),
        (["--rotate"], "no reader"),
    ],
)
def test_add_refuses_what_it_cannot_do_and_stores_nothing(
    database: str, door: str, tmp_path: Path, args: list[str], message: str
) -> None:
    code = f.code("R")
    args = [arg.format(door=door) for arg in args]
    result = vigie(database, tmp_path, "devices", "add", "--code", code, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "PRIVATE KEY" not in result.stdout
    assert stored_key(database, code) is None


def test_add_refuses_a_malformed_code(database: str, door: str, tmp_path: Path) -> None:
    result = vigie(
        database,
        tmp_path,
        "devices",
        "add",
        "--code",
        "bad code",
        "--door",
        door,
        "--direction",
        "in",
    )
    assert result.exit_code == 1
    assert "code:" in result.stderr


def test_list_shows_readers_with_their_door_and_key(
    database: str, door: str, tmp_path: Path
) -> None:
    code = f.code("R")
    vigie(
        database, tmp_path, "devices", "add", "--code", code, "--door", door, "--direction", "out"
    )
    listed = vigie(database, tmp_path, "devices", "list")
    assert listed.exit_code == 0
    line = next(line for line in listed.stdout.splitlines() if line.startswith(code))
    assert line.split("\t")[1:4] == [door, "out", "enabled"]


def test_commands_refuse_a_database_that_is_not_migrated(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path) as url:
        result = vigie(url, tmp_path, "devices", "list")
    assert result.exit_code == 1
    assert "run `vigie migrate`" in result.stderr
