"""Build a site plan from vigie's topology registry (admin token), for `vigie-reader plan`.

The only module that knows the registry's JSON shapes: lists are either bare JSON arrays
or pages `{"items": [...], "next_after_id": n}` (follow `after_id`); readers carry
`code`, `door_id`, `direction`, `enabled`; doors `id`, `code`, `kind`, `from_zone_id`,
`to_zone_id`; badges `uid`, `status`, `person_id`; people `id`, `kind`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx

from badge_readers.plan import BadgePlan, ReaderPlan, SitePlan

log = logging.getLogger(__name__)

TOPOLOGY = "/api/v1/topology"


def fetch_plan(
    base_url: str,
    token: str,
    keys_dir: Path,
    *,
    timezone: str = "Europe/Paris",
    transport: httpx.BaseTransport | None = None,
) -> SitePlan:
    """The plan of every enabled reader whose key is in keys_dir/<code>.pem, and every badge."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30, transport=transport) as http:
        doors = {door["id"]: door for door in _list(http, "doors")}
        people = {person["id"]: person for person in _list(http, "people")}
        readers = _list(http, "readers")
        badges = _list(http, "badges")
    planned = []
    for reader in readers:
        key = keys_dir / f"{reader['code']}.pem"
        if not reader.get("enabled", True) or not key.exists():
            log.warning("reader %s left out: disabled or no key at %s", reader["code"], key)
            continue
        door = doors[reader["door_id"]]
        planned.append(
            ReaderPlan(
                code=reader["code"],
                door=door["code"],
                direction=reader["direction"],
                door_kind=door.get("kind", "door"),
                key=key,
            )
        )
    used = {reader.door for reader in planned}
    walkable = [d for d in doors.values() if d["code"] in used and d.get("kind") != "rack_door"]
    return SitePlan(
        timezone=timezone,
        route=_route(walkable),
        readers=planned,
        badges=[_badge(badge, people) for badge in badges],
    )


def _badge(badge: dict[str, Any], people: dict[int, dict[str, Any]]) -> BadgePlan:
    # An unassigned badge is a visitor badge from the reception's pool.
    holder = people.get(badge.get("person_id") or -1, {}).get("kind", "visitor")
    return BadgePlan(uid=badge["uid"], status=badge.get("status", "active"), holder=holder)


def _list(http: httpx.Client, entity: str) -> list[dict[str, Any]]:
    """Every item of a registry list, following pages."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    while True:
        response = http.get(f"{TOPOLOGY}/{entity}", params=params)
        response.raise_for_status()
        body = response.json()
        if isinstance(body, list):
            return body
        items.extend(body["items"])
        if body.get("next_after_id") is None:
            return items
        params = {"after_id": body["next_after_id"]}


def _route(doors: list[dict[str, Any]]) -> list[str]:
    """The longest chain of doors where each leads into the zone the next leaves from."""
    leaving: dict[int, list[dict[str, Any]]] = {}
    for door in sorted(doors, key=lambda d: d["id"]):
        leaving.setdefault(door["from_zone_id"], []).append(door)

    def chain(door: dict[str, Any], seen: frozenset[str]) -> list[str]:
        onward = [d for d in leaving.get(door["to_zone_id"], []) if d["code"] not in seen]
        longest = max((chain(d, seen | {d["code"]}) for d in onward), key=len, default=[])
        return [door["code"], *longest]

    entered = {door["to_zone_id"] for door in doors}
    starts = [d for d in doors if d["from_zone_id"] not in entered] or doors
    chains = (chain(d, frozenset({d["code"]})) for d in sorted(starts, key=lambda d: d["id"]))
    return max(chains, key=len, default=[])
