"""Every physical route declares its policy: devices ingest, people read (tenants their scope)."""

from __future__ import annotations

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.auth.policy import PEOPLE
from app.auth.principal import Role
from app.physical.router import router


def policies(dependant: Dependant) -> list[frozenset[Role]]:
    found: list[frozenset[Role]] = []
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            found.append(roles)
        found += policies(sub)
    return found


def test_each_route_declares_who_may_call_it() -> None:
    declared = {
        (route.path, *sorted(route.methods or ())): policies(route.dependant)
        for route in router.routes
        if isinstance(route, APIRoute)
    }
    device = [frozenset({Role.device})]
    assert declared == {
        ("/api/v1/ingest/event", "POST"): device,
        ("/api/v1/ingest/batch", "POST"): device,
        ("/api/v1/events", "GET"): [frozenset(PEOPLE)],
    }
