"""Topology registry API: the same five routes for each entity, made from its spec.

No `from __future__ import annotations` here: FastAPI reads the route functions'
annotations, which name each spec's models, and those only exist in the closure.
"""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response, status

from app.auth.policy import AdminOnly, SignedIn
from app.deps import SessionDep
from app.errors import Invalid
from app.topology import service
from app.topology.entities import ENTITIES
from app.topology.registry import EntitySpec
from app.topology.schemas import MAX_ID

router = APIRouter(prefix="/api/v1/topology", tags=["topology"])

EntityIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IfMatch = Annotated[
    str | None,
    Header(description='Version the change applies to, e.g. "3" (the ETag); 409 otherwise.'),
]
_VERSION = re.compile(r'^"?([0-9]{1,9})"?$')


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names (`"3"` or `3`); `*` or none means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _VERSION.match(if_match.strip())
    if match is None:
        raise Invalid('If-Match must be a version number such as "3"')
    return int(match.group(1))


def _tag(response: Response, entity: Any) -> Any:
    response.headers["ETag"] = f'"{entity.version}"'
    return entity


def mount(spec: EntitySpec) -> None:
    """Add list, read, create, update and delete routes for one entity."""
    path = f"/{spec.path}"
    item = f"/{spec.path}/{{entity_id}}"
    create_schema, update_schema = spec.create_schema, spec.update_schema
    query_schema, read_schema = spec.query_schema, spec.read_schema

    # Reads are open to every person's role; the service gives a tenant auditor its scope.
    @router.get(path, response_model=spec.page_schema, name=f"list_{spec.path}")
    def list_entities(
        session: SessionDep,
        principal: SignedIn,
        query: Annotated[query_schema, Query()],  # type: ignore[valid-type]
    ) -> Any:
        return service.list_entities(session, spec=spec, query=query, viewer=principal)

    @router.get(item, response_model=read_schema, name=f"get_{spec.name}")
    def get_entity(
        session: SessionDep, principal: SignedIn, entity_id: EntityIdPath, response: Response
    ) -> Any:
        entity = service.get_entity(session, spec=spec, entity_id=entity_id, viewer=principal)
        return _tag(response, entity)

    @router.post(
        path,
        response_model=read_schema,
        status_code=status.HTTP_201_CREATED,
        name=f"create_{spec.name}",
    )
    def create_entity(
        session: SessionDep,
        principal: AdminOnly,
        data: create_schema,  # type: ignore[valid-type]
        response: Response,
    ) -> Any:
        return _tag(response, service.create_entity(session, spec=spec, data=data, actor=principal))

    @router.patch(item, response_model=read_schema, name=f"update_{spec.name}")
    def update_entity(
        session: SessionDep,
        principal: AdminOnly,
        entity_id: EntityIdPath,
        data: update_schema,  # type: ignore[valid-type]
        response: Response,
        if_match: IfMatch = None,
    ) -> Any:
        updated = service.update_entity(
            session,
            spec=spec,
            entity_id=entity_id,
            data=data,
            expected_version=expected_version(if_match),
            actor=principal,
        )
        return _tag(response, updated)

    @router.delete(item, status_code=status.HTTP_204_NO_CONTENT, name=f"delete_{spec.name}")
    def delete_entity(
        session: SessionDep, principal: AdminOnly, entity_id: EntityIdPath, if_match: IfMatch = None
    ) -> None:
        service.delete_entity(
            session,
            spec=spec,
            entity_id=entity_id,
            expected_version=expected_version(if_match),
            actor=principal,
        )


for _spec in ENTITIES:
    mount(_spec)
