"""`vigie users` against a real database: accounts made, changed and listed from a shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from app.auth.models import User
from app.cli import cli
from app.db import make_engine
from app.ledger import service as ledger
from app.ledger.models import LedgerEntry
from app.topology.models import Tenant
from tests.auth.factories import CHEAP
from tests.conftest import CHEAP_HASHING_ENV
from tests.databases import migrated_database

PASSWORD = "a long enough password"
Invoke = Callable[..., Result]


@pytest.fixture(scope="module")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database the commands commit to, shared by this module's tests."""
    with migrated_database(backend, tmp_path_factory.mktemp("cli")) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            session.add(Tenant(code="chu-nord", name="CHU Nord"))
        engine.dispose()
        yield url


@pytest.fixture
def run(database: str, tmp_path: Path) -> Invoke:
    """Run `vigie ARGS` with some standard input against the database."""
    env = {"VIGIE_DATABASE_URL": database, "VIGIE_VAR_DIR": str(tmp_path), **CHEAP_HASHING_ENV}

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, env=env)

    return invoke


def account(database: str, username: str) -> User:
    """The stored account."""
    engine = make_engine(database)
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
    engine.dispose()
    return user


def fact_types(database: str) -> list[str]:
    """Types of every fact, oldest first."""
    engine = make_engine(database)
    with Session(engine) as session:
        entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.index)).all()
        decoded = [ledger.decode(e) for e in entries]
    engine.dispose()
    return [d["type"] for d in decoded if d is not None]


def test_add_reads_the_password_from_stdin(run: Invoke, database: str) -> None:
    result = run(
        "users", "add", "alice", "--role", "auditor", "--password-stdin", input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "user alice (auditor) created" in result.output
    assert PASSWORD not in result.output
    stored = account(database, "alice")
    assert CHEAP.verify(stored.password_hash, PASSWORD)
    assert "auth.user.created" in fact_types(database)


def test_add_prompts_twice_for_the_password(run: Invoke, database: str) -> None:
    result = run(
        "users",
        "add",
        "tina",
        "--role",
        "tenant_auditor",
        "--tenant",
        "chu-nord",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert account(database, "tina").tenant_id is not None
    listing = run("users", "list")
    assert "tina\ttenant_auditor\tchu-nord\tactive" in listing.output


def test_a_password_is_never_an_argument(run: Invoke) -> None:
    result = run("users", "add", "bob", "--role", "admin", "--password", PASSWORD)
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "alice", "--role", "auditor"], "exists"),
        (["users", "add", "carol", "--role", "tenant_auditor"], "a tenant is given"),
        (
            ["users", "add", "carol", "--role", "auditor", "--tenant", "chu-nord"],
            "a tenant is given",
        ),
        (["users", "add", "carol", "--role", "tenant_auditor", "--tenant", "nope"], "no tenant"),
        (["users", "add", "carol", "--role", "device"], "role is one of"),
        (["users", "add", "Carol!", "--role", "admin"], "a username is"),
        (["users", "passwd", "nobody"], "no user"),
        (["users", "disable", "nobody"], "no user"),
    ],
)
def test_refusals_exit_1_with_a_message(run: Invoke, args: list[str], message: str) -> None:
    run("users", "add", "alice", "--role", "auditor", "--password-stdin", input=PASSWORD)
    result = (
        run(*args, "--password-stdin", input=PASSWORD)
        if args[1] in {"add", "passwd"}
        else run(*args)
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_short_password_is_refused(run: Invoke) -> None:
    result = run("users", "add", "dave", "--role", "admin", "--password-stdin", input="short\n")
    assert result.exit_code == 1
    assert "a password has 12 to 1024 characters" in result.output


def test_passwd_disable_enable(run: Invoke, database: str) -> None:
    run("users", "add", "erin", "--role", "security", "--password-stdin", input=PASSWORD)
    before = account(database, "erin").password_hash
    assert (
        run("users", "passwd", "erin", "--password-stdin", input="another long password").exit_code
        == 0
    )
    assert account(database, "erin").password_hash != before
    assert run("users", "disable", "erin").exit_code == 0
    assert "erin\tsecurity\t-\tdisabled" in run("users", "list").output
    assert run("users", "enable", "erin").exit_code == 0
    assert "erin\tsecurity\t-\tactive" in run("users", "list").output
    types = fact_types(database)
    for kind in ["auth.user.password_changed", "auth.user.disabled", "auth.user.enabled"]:
        assert kind in types
