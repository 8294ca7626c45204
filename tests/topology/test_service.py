"""The registry service: every change is versioned and recorded; conflicts are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.topology import references, service
from app.topology.entities import ACCESS_RIGHT, CAMERA, ENTITIES, GROUP, SITE, ZONE
from app.topology.models import CameraCoverage, GroupMember, Zone
from tests.topology import factories as f


def test_create_update_delete_each_record_one_fact_with_actor_and_values(session: Session) -> None:
    site = f.create(session, SITE, code="PAR-1", name="Paris")
    f.update(session, SITE, site.id, name="Paris Nord")
    f.delete(session, SITE, site.id)

    created, updated, deleted = f.facts(session)
    assert [created["type"], updated["type"], deleted["type"]] == [
        "topology.site.created",
        "topology.site.updated",
        "topology.site.deleted",
    ]
    actor = {"kind": "user", "subject": "tester", "role": "admin"}
    assert created["actor"] == updated["actor"] == deleted["actor"] == actor
    assert created["body"] == {
        "id": site.id,
        "values": {
            "id": site.id,
            "code": "PAR-1",
            "name": "Paris",
            "timezone": "Europe/Paris",
            "version": 1,
        },
    }
    assert updated["body"]["changed"] == ["name"]
    assert updated["body"]["previous"] == {"name": "Paris"}
    assert updated["body"]["values"]["name"] == "Paris Nord"
    assert updated["body"]["values"]["version"] == 2
    assert deleted["body"]["values"]["name"] == "Paris Nord"


def test_each_change_bumps_the_version(session: Session) -> None:
    site = f.create(session, SITE, code=f.code("s"), name="One")
    assert site.version == 1
    assert f.update(session, SITE, site.id, name="Two").version == 2
    assert f.update(session, SITE, site.id, timezone="UTC").version == 3
    assert f.get(session, SITE, site.id).version == 3


def test_an_update_that_changes_nothing_records_nothing(session: Session) -> None:
    site = f.create(session, SITE, code=f.code("s"), name="Same")
    before = len(f.facts(session))
    assert f.update(session, SITE, site.id, name="Same").version == 1
    assert len(f.facts(session)) == before


def test_an_update_at_another_version_is_refused(session: Session) -> None:
    site = f.create(session, SITE, code=f.code("s"), name="One")
    f.update(session, SITE, site.id, name="Two")
    data = SITE.update_schema.model_validate({"name": "Three"})
    with pytest.raises(Conflict, match="at version 2, not 1"):
        service.update_entity(
            session, spec=SITE, entity_id=site.id, data=data, expected_version=1, actor=f.ACTOR
        )
    assert f.get(session, SITE, site.id).name == "Two"


def test_a_row_changed_by_another_writer_meanwhile_is_refused(session: Session) -> None:
    place = f.site(session)
    loaded = session.get(Zone, place.hall)  # this session holds the row at version 1 ...
    # ... while another writer moves it to version 2 behind the session's back.
    session.execute(
        update(Zone).where(Zone.id == place.hall).values(version=2),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(Conflict, match="changed meanwhile"):
        f.update(session, ZONE, place.hall, name="Renamed")
    assert loaded is not None


def test_deleting_a_referenced_row_is_refused_and_says_by_what(session: Session) -> None:
    place = f.site(session)
    with pytest.raises(Conflict) as refused:
        f.delete(session, ZONE, place.floor)
    assert refused.value.details == {"referenced_by": {"zone.parent_id": 3}}
    assert "3 by zone.parent_id" in refused.value.message
    assert f.get(session, ZONE, place.floor).id == place.floor


def test_counting_references_stops_at_a_cap(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(references, "COUNT_CAP", 2)
    place = f.site(session)
    with pytest.raises(Conflict, match=r"2\+ by zone.parent_id"):
        f.delete(session, ZONE, place.floor)


def test_owned_lists_go_with_their_row(session: Session) -> None:
    place = f.site(session)
    camera = f.create(
        session,
        CAMERA,
        code=f.code("cam"),
        name="Hall",
        site_id=place.id,
        covers=[{"kind": "zone", "id": place.hall}],
    )
    group = f.create(
        session, GROUP, code=f.code("g"), name="Crew", member_ids=[f.person(session).id]
    )
    f.delete(session, CAMERA, camera.id)
    f.delete(session, GROUP, group.id)
    assert (
        session.scalars(select(CameraCoverage).where(CameraCoverage.camera_id == camera.id)).all()
        == []
    )
    assert session.scalars(select(GroupMember).where(GroupMember.group_id == group.id)).all() == []
    assert f.facts(session)[-1]["body"]["values"]["member_ids"] != []


def test_a_change_to_an_owned_list_alone_is_a_versioned_change(session: Session) -> None:
    group = f.create(session, GROUP, code=f.code("g"), name="Crew")
    member = f.person(session)
    changed = f.update(session, GROUP, group.id, member_ids=[member.id])
    assert (changed.version, changed.member_ids) == (2, [member.id])
    fact = f.facts(session)[-1]
    assert fact["type"] == "topology.group.updated"
    assert fact["body"]["previous"] == {"member_ids": []}


def test_duplicate_natural_keys_are_conflicts(session: Session) -> None:
    f.create(session, SITE, code="DUP", name="One")
    with pytest.raises(Conflict, match="code 'DUP' is already taken by another site"):
        f.create(session, SITE, code="DUP", name="Two")
    other = f.create(session, SITE, code="OTHER", name="Two")
    with pytest.raises(Conflict, match="already taken"):
        f.update(session, SITE, other.id, code="DUP")


def test_unknown_ids_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no zone with id 999999"):
        f.get(session, ZONE, 999999)
    with pytest.raises(NotFound):
        f.update(session, ZONE, 999999, name="x")
    with pytest.raises(NotFound):
        f.delete(session, ZONE, 999999)


def test_list_pages_by_id_and_filters(session: Session) -> None:
    place = f.site(session)
    f.site(session)
    first = f.page(session, ZONE, site_id=place.id, limit=4)
    assert [zone.id for zone in first.items] == [
        place.building,
        place.floor,
        place.lobby,
        place.airlock,
    ]
    second = f.page(session, ZONE, site_id=place.id, limit=4, after_id=first.next_after_id)
    assert [zone.id for zone in second.items] == [place.hall, place.cage, place.rack]
    assert second.next_after_id is None


def test_find_entity_by_natural_key(session: Session) -> None:
    site = f.create(session, SITE, code="FIND-ME", name="Here")
    assert service.find_entity(session, spec=SITE, key="FIND-ME", viewer=f.ACTOR) == site
    assert service.find_entity(session, spec=SITE, key="NOPE", viewer=f.ACTOR) is None


def test_is_empty(session: Session) -> None:
    assert service.is_empty(session, specs=ENTITIES)
    f.person(session)
    assert not service.is_empty(session, specs=ENTITIES)


def test_only_entities_with_a_one_column_natural_key_can_be_found_by_it(session: Session) -> None:
    with pytest.raises(ValueError, match="no natural key"):
        service.find_entity(session, spec=ACCESS_RIGHT, key="1", viewer=f.ACTOR)
