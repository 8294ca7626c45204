"""The muster list at the edges of stays: closed, open, bounded; on both backends' queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.presence.models import PresenceInterval
from tests.conftest import ADMIN
from tests.presence.factories import TestSite, at, holder


def _stay(
    session: Session,
    person_id: int,
    zone_id: int,
    start: datetime,
    end: datetime | None = None,
    bound: datetime | None = None,
) -> None:
    session.add(
        PresenceInterval(
            person_id=person_id,
            zone_id=zone_id,
            start_at=start,
            end_at=end,
            bound_at=bound,
            uncertain=bound is not None,
            entry_passage_id=1,
        )
    )
    session.flush()


def test_who_is_listed_at_the_edges_of_stays(
    client: TestClient, session: Session, site: TestSite
) -> None:
    hall = site.zones["hall"].id
    closed, _ = holder(session)
    bounded, _ = holder(session)
    gone, _ = holder(session)
    elsewhere, _ = holder(session)
    _stay(session, closed.id, hall, at(8), end=at(15))
    _stay(session, bounded.id, hall, at(9), bound=at(11))
    _stay(session, gone.id, hall, at(10))  # exit never badged, nothing seen since
    _stay(session, elsewhere.id, site.zones["rack"].id, at(7))

    def listed(moment: datetime) -> list[tuple[str, bool, bool]]:
        response = client.get(
            f"/api/v1/presence/zones/{hall}/muster",
            params={"at": moment.isoformat()},
            headers=ADMIN,
        )
        assert response.status_code == 200, response.text
        return [(p["person"], p["open"], p["uncertain"]) for p in response.json()["people"]]

    tick = timedelta(microseconds=1)
    assert listed(at(8) - tick) == []
    assert listed(at(8)) == [(closed.code, False, False)]  # a stay holds its start
    assert listed(at(10)) == [
        (closed.code, False, False),
        (bounded.code, True, True),
        (gone.code, True, False),
    ]
    assert listed(at(11) - tick)[1] == (bounded.code, True, True)
    assert [p for p, *_ in listed(at(11))] == [closed.code, gone.code]  # bound: gone by then
    assert [p for p, *_ in listed(at(15) - tick)] == [closed.code, gone.code]
    assert listed(at(15)) == [(gone.code, True, False)]  # ends are not in the stay
    assert listed(at(24 * 400)) == [(gone.code, True, False)]  # open: listed, flagged
