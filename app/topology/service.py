"""The registry service: list, read, create, update and delete any entity from its spec.

Every change bumps the row's version and appends one fact to the ledger
(`topology.<entity>.created|updated|deleted`, the actor's snapshot, the id and values),
in the caller's transaction: the change and its fact commit together or not at all.
Every read names who reads (`viewer`), so that a tenant auditor gets only its scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.auth.principal import Principal
from app.auth.scope import scoped
from app.errors import Conflict, NotFound
from app.ledger import service as ledger
from app.ledger.service import NewFact
from app.topology.references import check_targets_exist, check_unreferenced
from app.topology.registry import EntitySpec


def _scoped(spec: EntitySpec, viewer: Principal) -> Select[Any]:
    # Every read of an entity goes through here: the tenant scope is this one filter.
    return scoped(select(spec.model), spec.model, viewer)


def _load(session: Session, spec: EntitySpec, entity_id: int, viewer: Principal) -> Any:
    row = session.scalar(_scoped(spec, viewer).where(spec.model.id == entity_id))
    if row is None:
        # Out of scope answers exactly as unknown: a tenant learns nothing from a guess.
        raise NotFound(f"no {spec.name} with id {entity_id}")
    return row


def _read(session: Session, spec: EntitySpec, row: Any, viewer: Principal) -> BaseModel:
    values = {
        name: getattr(row, name)
        for name in spec.read_schema.model_fields
        if spec.collection is None or name != spec.collection.field
    }
    if spec.collection is not None:
        values[spec.collection.field] = spec.collection.load(session, row, viewer)
    return spec.read_schema.model_validate(values)


def _expect_version(spec: EntitySpec, row: Any, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise Conflict(
            f"{spec.name} {row.id} is at version {row.version}, not {expected}; reload it",
            details={"version": row.version},
        )


def _check_unique(session: Session, spec: EntitySpec, row: Any) -> None:
    for columns in spec.unique:
        values = {column: getattr(row, column) for column in columns}
        if None in values.values():
            continue
        query = select(spec.model.id).where(
            *(getattr(spec.model, column) == value for column, value in values.items())
        )
        if row.id is not None:
            query = query.where(spec.model.id != row.id)
        if session.scalar(query.limit(1)) is not None:
            named = ", ".join(f"{column} {value!r}" for column, value in values.items())
            raise Conflict(f"{named} is already taken by another {spec.name}")


def _validate(session: Session, spec: EntitySpec, row: Any) -> None:
    # No autoflush: the checks query the database while the row holds unchecked values.
    with session.no_autoflush:
        check_targets_exist(session, row)
        if spec.check is not None:
            spec.check(session, row)
        _check_unique(session, spec, row)


def _flush(session: Session, spec: EntitySpec, entity_id: int) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        # The failed flush expired the row: name it by the id taken before.
        raise Conflict(f"{spec.name} {entity_id} was changed meanwhile; reload it") from exc


def _record(
    session: Session, spec: EntitySpec, what: str, actor: Principal, body: dict[str, Any]
) -> None:
    ledger.append(
        session, NewFact(type=f"topology.{spec.name}.{what}", actor=actor.snapshot(), body=body)
    )


def list_entities(
    session: Session, *, spec: EntitySpec, query: BaseModel, viewer: Principal
) -> BaseModel:
    """One page of the rows the viewer may see, by id, filtered by the query's parameters."""
    params = query.model_dump()
    limit: int = params.pop("limit")
    after_id: int | None = params.pop("after_id")
    statement = _scoped(spec, viewer).order_by(spec.model.id).limit(limit + 1)
    if after_id is not None:
        statement = statement.where(spec.model.id > after_id)
    for name, value in params.items():
        if value is not None:
            statement = statement.where(spec.filters[name].where(value))
    rows = list(session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return spec.page_schema(
        items=[_read(session, spec, row, viewer) for row in rows],
        next_after_id=rows[-1].id if more else None,
    )


def get_entity(
    session: Session, *, spec: EntitySpec, entity_id: int, viewer: Principal
) -> BaseModel:
    """The entity with this id, if the viewer may see it (NotFound otherwise)."""
    return _read(session, spec, _load(session, spec, entity_id, viewer), viewer)


def find_entity(
    session: Session, *, spec: EntitySpec, key: str, viewer: Principal
) -> BaseModel | None:
    """The entity whose natural key (code, or a server's hostname) is `key`, if any."""
    if len(spec.unique[0]) != 1:
        raise ValueError(f"{spec.name} has no natural key")
    column = getattr(spec.model, spec.unique[0][0])
    row = session.scalar(_scoped(spec, viewer).where(column == key))
    return None if row is None else _read(session, spec, row, viewer)


def create_entity(
    session: Session, *, spec: EntitySpec, data: BaseModel, actor: Principal
) -> BaseModel:
    """Validate and store a new entity, and record the fact."""
    values = data.model_dump()
    items = values.pop(spec.collection.field) if spec.collection is not None else None
    # A savepoint: a refused change leaves the caller's session as it was, so a caller that
    # carries on (the demo loader, a test) never flushes half of it.
    with session.begin_nested():
        row: Any = spec.model(**values, version=1)
        _validate(session, spec, row)
        session.add(row)
        session.flush()
        if spec.collection is not None and items is not None:
            spec.collection.store(session, row, items)
        out = _read(session, spec, row, actor)
        body = {"id": row.id, "values": out.model_dump(mode="json")}
        _record(session, spec, "created", actor, body)
    return out


def update_entity(
    session: Session,
    *,
    spec: EntitySpec,
    entity_id: int,
    data: BaseModel,
    expected_version: int | None,
    actor: Principal,
) -> BaseModel:
    """Apply the fields given, if the row is at the expected version; record what changed."""
    row = _load(session, spec, entity_id, actor)
    _expect_version(spec, row, expected_version)
    before = _read(session, spec, row, actor)
    old = before.model_dump(mode="json")
    new = data.model_dump(mode="json", exclude_unset=True)
    changed = sorted(name for name, value in new.items() if old[name] != value)
    if not changed:
        return before
    values = data.model_dump(exclude_unset=True)
    collection = spec.collection.field if spec.collection is not None else None
    with session.begin_nested():  # see create_entity
        for name in changed:
            if name != collection:
                setattr(row, name, values[name])
        _validate(session, spec, row)
        row.version += 1
        _flush(session, spec, entity_id)
        if spec.collection is not None and collection in changed:
            spec.collection.store(session, row, values[collection])
        out = _read(session, spec, row, actor)
        body = {
            "id": entity_id,
            "values": out.model_dump(mode="json"),
            "changed": changed,
            "previous": {name: old[name] for name in changed},
        }
        _record(session, spec, "updated", actor, body)
    return out


def delete_entity(
    session: Session,
    *,
    spec: EntitySpec,
    entity_id: int,
    expected_version: int | None,
    actor: Principal,
) -> None:
    """Delete the entity if nothing refers to it; the fact keeps its last values."""
    row = _load(session, spec, entity_id, actor)
    _expect_version(spec, row, expected_version)
    before = _read(session, spec, row, actor)
    # Locked before counting what names it: a writer naming it meanwhile holds a row lock
    # on it until its commit (FOR NO KEY UPDATE), which this waits for, then counts.
    session.refresh(row, with_for_update=True)
    check_unreferenced(session, row, f"{spec.name} {entity_id}")
    with session.begin_nested():  # see create_entity
        session.delete(row)
        _flush(session, spec, entity_id)
        body = {"id": entity_id, "values": before.model_dump(mode="json")}
        _record(session, spec, "deleted", actor, body)


def is_empty(session: Session, *, specs: Iterable[EntitySpec]) -> bool:
    """Whether none of these entities has a row."""
    return all(session.scalar(select(spec.model.id).limit(1)) is None for spec in specs)
