"""Request-scoped dependencies shared by every router: settings and the database session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import transaction


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request; scope="function" commits it before the answer leaves."""
    yield from transaction(request.app.state.session_factory)


def get_read_session(request: Request) -> Iterator[Session]:
    """A session outside any transaction (app.db.read_session_factory): read-only routes."""
    with request.app.state.read_session_factory() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
