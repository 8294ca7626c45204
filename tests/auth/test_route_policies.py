"""Every route of the app declares who may call it, and each caller gets exactly that.

The policies are read from the routes themselves (the dependency with a `roles`
attribute), so routes merged from other areas are checked without editing this file;
EXPECTED is the reviewed statement of who may do what: a route missing from it, or whose
declared policy differs from it, fails until the table is updated on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.policy import PEOPLE, allow
from app.auth.principal import Role
from tests.auth.factories import bearer, login, user
from tests.conftest import ADMIN

PUBLIC = "public"
Policy = frozenset[Role] | str
ADMIN_ONLY: Policy = frozenset({Role.admin})
# Every person's role; a tenant auditor receives only its scope (app.auth.scope).
SIGNED_IN: Policy = frozenset(PEOPLE)
# Staff who read everything: never a tenant, since these answers mix every tenant's facts.
STAFF: Policy = frozenset({Role.admin, Role.security, Role.auditor})
DEVICE: Policy = frozenset({Role.device})
HANDLERS: Policy = frozenset({Role.admin, Role.security})

# The registry: admins change it, every person reads it (tenant auditors their scope).
TOPOLOGY = (
    "tenants",
    "sites",
    "zones",
    "doors",
    "readers",
    "airlocks",
    "cameras",
    "workstations",
    "servers",
    "people",
    "groups",
    "badges",
    "access-rights",
)

EXPECTED: dict[str, Policy] = {
    "GET /": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "POST /api/v1/auth/login": PUBLIC,
    "POST /api/v1/auth/refresh": PUBLIC,
    "POST /api/v1/auth/logout": PUBLIC,
    "GET /api/v1/auth/me": SIGNED_IN,
    "POST /api/v1/ingest/event": DEVICE,
    "POST /api/v1/ingest/batch": DEVICE,
    "GET /api/v1/events": SIGNED_IN,
    "GET /api/v1/audit/reads": STAFF,
    "GET /api/v1/ledger/checkpoints/latest": STAFF,
    "GET /api/v1/ledger/checkpoints/{size}": STAFF,
    "POST /api/v1/ledger/checkpoints": ADMIN_ONLY,
    "GET /api/v1/ledger/proofs/inclusion": STAFF,
    "GET /api/v1/ledger/proofs/consistency": STAFF,
    "GET /api/v1/ledger/entries": STAFF,
    "GET /api/v1/ledger/public-key": STAFF,
    "POST /api/v1/access/decide": DEVICE,
    "GET /api/v1/access/snapshot": DEVICE,
    "GET /api/v1/alerts": SIGNED_IN,
    "GET /api/v1/alerts/stream": SIGNED_IN,
    "GET /api/v1/alerts/{alert_id}": SIGNED_IN,
    "POST /api/v1/alerts/{alert_id}/acknowledge": HANDLERS,
    "POST /api/v1/alerts/{alert_id}/resolve": HANDLERS,
    "GET /api/v1/presence/zones/{zone_id}/muster": SIGNED_IN,
    "GET /api/v1/presence/zones/{zone_id}/occupancy": SIGNED_IN,
    "GET /api/v1/presence/people/{person_id}": SIGNED_IN,
    "GET /api/v1/presence/passages": SIGNED_IN,
    "GET /api/v1/presence/airlocks/{airlock_id}/cycles": SIGNED_IN,
}
for _entity in TOPOLOGY:
    EXPECTED |= {
        f"GET /api/v1/topology/{_entity}": SIGNED_IN,
        f"GET /api/v1/topology/{_entity}/{{entity_id}}": SIGNED_IN,
        f"POST /api/v1/topology/{_entity}": ADMIN_ONLY,
        f"PATCH /api/v1/topology/{_entity}/{{entity_id}}": ADMIN_ONLY,
        f"DELETE /api/v1/topology/{_entity}/{{entity_id}}": ADMIN_ONLY,
    }

# Who calls, and as which role (None: no usable credential).
CALLERS: dict[str, Role | None] = {
    "admin-token": Role.admin,
    "admin": Role.admin,
    "security": Role.security,
    "auditor": Role.auditor,
    "tenant_auditor": Role.tenant_auditor,
    "no-token": None,
    "bad-token": None,
}


def declared(route: RouteContext) -> Policy | None:
    """The policy a route's dependencies enforce; several must all admit the caller."""
    found: list[Any] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        for sub in dependant.dependencies:
            if hasattr(sub.call, "roles"):
                found.append(sub.call)
            stack.append(sub)
    if not found:
        return None
    restricting = [frozenset(p.roles) for p in found if not getattr(p, "public", False)]
    if not restricting:
        return PUBLIC
    return frozenset.intersection(*restricting)


def endpoints(app: FastAPI) -> Iterator[tuple[str, RouteContext]]:
    """Every (METHOD path, route) of the app, as the requests reach them."""
    # app.routes holds included routers whole; iter_route_contexts (what FastAPI's OpenAPI
    # generation walks) yields each route with its router's prefix and dependencies.
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            for method in sorted(route.methods or ()):
                yield f"{method} {route.path}", route


def describe(policy: Policy) -> str:
    """A policy as it is written in EXPECTED."""
    if isinstance(policy, str):
        return "PUBLIC"
    return "frozenset({" + ", ".join(f"Role.{role.value}" for role in sorted(policy)) + "})"


def policy_problems(app: FastAPI) -> list[str]:
    """Routes without a policy, missing from EXPECTED, or declaring another policy."""
    problems = []
    seen = set()
    for name, route in endpoints(app):
        seen.add(name)
        policy = declared(route)
        if policy is None:
            problems.append(f"{name} declares no policy: add allow(...) or public()")
        elif name not in EXPECTED:
            problems.append(f"{name} is missing from EXPECTED: add {name!r}: {describe(policy)},")
        elif policy != EXPECTED[name]:
            problems.append(
                f"{name} declares {describe(policy)}, EXPECTED says {describe(EXPECTED[name])}"
            )
    problems += [f"{name} in EXPECTED is no route of the app" for name in EXPECTED.keys() - seen]
    return problems


def allowed_statuses(policy: Policy, role: Role | None) -> str:
    """What a caller must get: 'any' (not 401/403), '401', '403' or '401/403'."""
    if policy == PUBLIC:
        return "any"
    if policy == DEVICE:
        # Devices sign their requests; no bearer token of a person opens these routes.
        return "401/403"
    if role is None:
        return "401"
    return "any" if role in policy else "403"


def fits(status: int, expected: str) -> bool:
    """Whether a status answers as expected (and never as a server error)."""
    if status >= 500:
        return False
    if expected == "any":
        return status not in (401, 403)
    return str(status) in expected.split("/")


def test_every_route_declares_the_expected_policy(app: FastAPI) -> None:
    problems = policy_problems(app)
    assert not problems, "\n".join(problems)


def test_a_route_without_policy_or_out_of_the_table_is_reported(app: FastAPI) -> None:
    @app.get("/api/v1/forgotten")
    def forgotten() -> None:
        """A route someone forgot to protect."""

    router = APIRouter(prefix="/api/v1/new", dependencies=[allow(Role.admin, Role.auditor)])

    @router.get("/listed-nowhere")
    def unlisted() -> None:
        """A route someone forgot to list."""

    @router.get("/me", dependencies=[allow(Role.admin)])
    def narrowed() -> None:
        """A route whose own policy narrows its router's."""

    app.include_router(router)
    problems = policy_problems(app)
    assert "GET /api/v1/forgotten declares no policy: add allow(...) or public()" in problems
    assert (
        "GET /api/v1/new/listed-nowhere is missing from EXPECTED: add "
        "'GET /api/v1/new/listed-nowhere': frozenset({Role.admin, Role.auditor})," in problems
    )
    assert (
        "GET /api/v1/new/me is missing from EXPECTED: add "
        "'GET /api/v1/new/me': frozenset({Role.admin})," in problems
    )


@pytest.fixture
def headers(client: TestClient, session: Session) -> dict[str, dict[str, str]]:
    """Authorization headers of every caller."""
    out = {"admin-token": ADMIN, "no-token": {}, "bad-token": bearer("not-a-token")}
    for role in (Role.admin, Role.security, Role.auditor, Role.tenant_auditor):
        out[role.value] = bearer(login(client, user(session, role).username)["access_token"])
    return out


@pytest.mark.parametrize("caller", list(CALLERS))
def test_each_caller_gets_exactly_what_each_route_allows(
    app: FastAPI, headers: dict[str, dict[str, str]], caller: str
) -> None:
    mismatches = []
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        for name, route in endpoints(app):
            policy = declared(route)
            assert policy is not None, f"{name} declares no policy"
            method, _ = name.split(" ", 1)
            path = re.sub(r"\{[^}]+\}", "1", route.path or "")
            status = client.request(method, path, headers=headers[caller]).status_code
            expected = allowed_statuses(policy, CALLERS[caller])
            if not fits(status, expected):
                mismatches.append(f"{name} as {caller}: got {status}, expected {expected}")
    assert not mismatches, "\n".join(mismatches)
