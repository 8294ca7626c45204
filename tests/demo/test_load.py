"""The demo site: realistic, valid, every row a fact by the system, loaded once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.config import Settings
from app.db import command_session, make_engine
from app.demo.load import Loaded, load_demo
from app.errors import Conflict
from app.ledger import service as ledger
from app.topology.models import (
    AccessRight,
    Airlock,
    Badge,
    Camera,
    CameraCoverage,
    Door,
    PersonGroup,
    Reader,
    Server,
    Workstation,
    Zone,
)
from tests.databases import migrated_database
from tests.topology import factories as f


@pytest.fixture(scope="module")
def demo(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Loaded]]:
    """A database with the demo loaded and committed once for the module (tests only read)."""
    with migrated_database(backend, tmp_path_factory.mktemp("demo")) as url:
        with command_session(Settings(database_url=url)) as session:
            loaded = load_demo(session, actor=SYSTEM)
        assert loaded is not None
        yield url, loaded


@pytest.fixture
def loaded(demo: tuple[str, Loaded]) -> Loaded:
    """What the demo loader reported."""
    return demo[1]


@pytest.fixture
def session(demo: tuple[str, Loaded]) -> Iterator[Session]:
    """A session on the demo database; whatever a test writes is rolled back."""
    engine = make_engine(demo[0])
    try:
        with Session(engine) as session:
            yield session
            session.rollback()
    finally:
        engine.dispose()


def test_every_row_is_a_fact_recorded_by_the_system(session: Session, loaded: Loaded) -> None:
    facts = f.facts(session)
    assert len(facts) == sum(loaded.counts.values()) == ledger.size(session)
    assert {fact["type"].rsplit(".", 1)[1] for fact in facts} == {"created"}
    assert all(fact["actor"] == SYSTEM.snapshot() for fact in facts)


def test_the_site_has_what_the_demo_promises(session: Session, loaded: Loaded) -> None:
    kinds = dict(session.execute(select(Zone.kind, func.count()).group_by(Zone.kind)).all())
    assert kinds["building"] == 2
    assert kinds["cage"] == 2
    assert kinds["rack"] == 6
    airlock = session.scalars(select(Airlock)).one()
    assert session.get(Zone, airlock.zone_id).kind == "airlock"  # type: ignore[union-attr]
    assert session.scalar(select(func.count()).select_from(Workstation)) == 3
    tenants = session.execute(select(Server.tenant_id, Server.health_data)).all()
    assert len({tenant for tenant, _ in tenants}) == 3
    assert {health for _, health in tenants} == {True, False}
    assert 18 <= loaded.counts["people"] <= 25
    assert {"admins", "cleaning"} <= set(session.scalars(select(PersonGroup.code)))
    rights = session.scalars(select(AccessRight)).all()
    assert len(rights) == loaded.counts["access-rights"]
    assert any(right.schedule for right in rights)
    assert any(right.escort_required for right in rights)


def test_every_door_has_an_in_and_an_out_reader_with_its_key(
    session: Session, loaded: Loaded
) -> None:
    doors = len(session.scalars(select(Door.id)).all())
    readers = session.execute(select(Reader.code, Reader.direction, Reader.public_key)).all()
    assert len(readers) == 2 * doors
    assert sorted(direction for _, direction, _ in readers) == ["in"] * doors + ["out"] * doors
    for code, _, public_key in readers:
        private = load_pem_private_key(loaded.reader_keys[code], password=None)
        assert isinstance(private, Ed25519PrivateKey)
        assert private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == public_key


def test_cameras_watch_the_airlock_the_hall_the_rack_doors_and_the_workstations(
    session: Session, loaded: Loaded
) -> None:
    covered_zones = set(
        session.scalars(select(Zone.kind).join(CameraCoverage, CameraCoverage.zone_id == Zone.id))
    )
    assert {"airlock", "room"} <= covered_zones
    covered_doors = set(
        session.scalars(select(Door.kind).join(CameraCoverage, CameraCoverage.door_id == Door.id))
    )
    rack_doors = session.scalar(select(func.count()).where(Door.kind == "rack_door"))
    covered_rack_doors = session.scalar(
        select(func.count(CameraCoverage.door_id.distinct()))
        .join(Door, CameraCoverage.door_id == Door.id)
        .where(Door.kind == "rack_door")
    )
    assert {"airlock_outer", "airlock_inner", "rack_door"} <= covered_doors
    assert covered_rack_doors == rack_doors
    watched = session.scalar(select(func.count(CameraCoverage.workstation_id.distinct())))
    assert watched == 3
    assert session.scalar(select(func.count()).select_from(Camera)) == loaded.counts["cameras"]


def test_one_badge_is_revoked_and_one_expired(session: Session, loaded: Loaded) -> None:
    badges = session.scalars(select(Badge)).all()
    now = datetime.now(UTC)
    assert [b.status for b in badges].count("revoked") == 1
    expired = [b for b in badges if b.valid_until is not None and b.valid_until < now]
    assert len(expired) == 1
    assert expired[0].status == "active"


def test_if_empty_loads_nothing_the_second_time(session: Session, loaded: Loaded) -> None:
    size = ledger.size(session)
    assert load_demo(session, actor=SYSTEM, if_empty=True) is None
    with pytest.raises(Conflict, match="already taken"):
        load_demo(session, actor=SYSTEM)
    assert ledger.size(session) == size
