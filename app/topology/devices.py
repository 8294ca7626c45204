"""Registering readers with a fresh key pair, through the registry (so each is a fact)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.errors import Conflict, Invalid, NotFound
from app.topology import keys, service
from app.topology.entities import DOOR, READER
from app.topology.models import Door, Reader


@dataclass(frozen=True)
class Registered:
    """A reader as stored, and the private key that only the caller now holds."""

    reader: Any
    private_key_pem: bytes
    rotated: bool


@dataclass(frozen=True)
class ReaderLine:
    """One reader as `vigie devices list` shows it."""

    code: str
    door: str
    direction: str
    enabled: bool
    public_key: str | None


def register_reader(
    session: Session,
    *,
    code: str,
    door_code: str | None,
    direction: str | None,
    rotate: bool,
    actor: Principal,
) -> Registered:
    """Create a reader with a new key, or with `rotate` give an existing one a new key."""
    existing = service.find_entity(session, spec=READER, key=code, viewer=actor)
    if existing is not None and not rotate:
        raise Conflict(f"reader {code} exists; pass --rotate to give it a new key")
    if existing is None and rotate:
        raise NotFound(f"no reader {code} to rotate")
    pem, public_key = keys.generate()
    values: dict[str, Any] = {"public_key": public_key}
    if door_code is not None:
        door = service.find_entity(session, spec=DOOR, key=door_code, viewer=actor)
        if door is None:
            raise Invalid(f"no door with code {door_code}")
        values["door_id"] = door.id  # type: ignore[attr-defined]
    if direction is not None:
        values["direction"] = direction
    reader: BaseModel
    if existing is None:
        if "door_id" not in values or direction is None:
            raise Invalid("a new reader needs a door and a direction")
        data = READER.create_schema.model_validate({"code": code, **values})
        reader = service.create_entity(session, spec=READER, data=data, actor=actor)
    else:
        reader = service.update_entity(
            session,
            spec=READER,
            entity_id=existing.id,  # type: ignore[attr-defined]
            data=READER.update_schema.model_validate(values),
            expected_version=None,
            actor=actor,
        )
    return Registered(reader=reader, private_key_pem=pem, rotated=existing is not None)


def list_readers(session: Session) -> list[ReaderLine]:
    """Every reader with its door's code, by reader code."""
    rows = session.execute(
        select(Reader.code, Door.code, Reader.direction, Reader.enabled, Reader.public_key)
        .join(Door, Reader.door_id == Door.id)
        .order_by(Reader.code)
    )
    return [
        ReaderLine(
            code=code,
            door=door,
            direction=direction,
            enabled=enabled,
            public_key=None if key is None else base64.b64encode(key).decode(),
        )
        for code, door, direction, enabled, key in rows
    ]
