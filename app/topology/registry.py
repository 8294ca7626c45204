"""The entity spec: one declaration per topology entity drives its routes and its service.

A spec names the table, the create model (its fields and rules), what never changes after
creation, what must be unique, the list filters, an optional check of the whole row and
an optional list kept in another table. The update, read, query and page models are
derived here so that each rule is written once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.topology.schemas import MAX_ID, Page

# A check sees the row with its new values applied (not yet flushed) and raises Invalid
# (422, the input is wrong) or Conflict (409, it contradicts other stored rows).
RowCheck = Callable[[Session, Any], None]


@dataclass(frozen=True)
class Filter:
    """A query parameter of a list endpoint and the condition it stands for."""

    type: Any  # the parameter's type, constraints included (ids are bounded)
    where: Callable[[Any], ColumnElement[bool]]
    description: str


@dataclass(frozen=True)
class Collection:
    """A list field stored in another table: loaded sorted (as the viewer may see it),
    replaced whole."""

    field: str
    load: Callable[[Session, Any, Principal], list[Any]]
    # Validates the items (raising Invalid) and replaces the stored list; the row is flushed.
    store: Callable[[Session, Any, list[Any]], None]


@dataclass(frozen=True, kw_only=True)
class EntitySpec:
    """How one topology entity is validated, stored, listed and recorded as facts."""

    name: str  # fact types are topology.<name>.created|updated|deleted
    path: str  # URL segment under /api/v1/topology
    model: type[Any]  # a mapped class of app.topology.models with `id` and `version`
    create_schema: type[BaseModel]
    immutable: frozenset[str] = frozenset()
    unique: tuple[tuple[str, ...], ...] = (("code",),)
    filters: Mapping[str, Filter] = field(default_factory=dict)
    check: RowCheck | None = None
    collection: Collection | None = None

    @property
    def title(self) -> str:
        """CamelCase name for the derived models ("access_right" -> "AccessRight")."""
        return "".join(part.title() for part in self.name.split("_"))

    @cached_property
    def update_schema(self) -> type[BaseModel]:
        """Every mutable field, optional; an explicit null is still checked against the type."""
        fields: dict[str, Any] = {}
        for name, info in self.create_schema.model_fields.items():
            if name in self.immutable:
                continue
            optional = copy.copy(info)
            optional.default = None
            optional.default_factory = None
            fields[name] = (info.annotation, optional)
        return create_model(f"{self.title}Update", __config__=ConfigDict(extra="forbid"), **fields)

    @cached_property
    def read_schema(self) -> type[BaseModel]:
        """The create fields plus id and version."""
        return create_model(
            f"{self.title}Read", __base__=self.create_schema, id=(int, ...), version=(int, ...)
        )

    @cached_property
    def query_schema(self) -> type[BaseModel]:
        """Query parameters of the list endpoint: paging and this entity's filters."""
        filters: dict[str, Any] = {
            name: (spec.type | None, Field(None, description=spec.description))
            for name, spec in self.filters.items()
        }
        return create_model(
            f"{self.title}Query",
            __config__=ConfigDict(extra="forbid"),
            limit=(int, Field(100, ge=1, le=1000)),
            after_id=(int | None, Field(None, ge=0, le=MAX_ID, description="From next_after_id.")),
            **filters,
        )

    @cached_property
    def page_schema(self) -> type[BaseModel]:
        """A page of read models."""
        return Page[self.read_schema]  # type: ignore[name-defined]
