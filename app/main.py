"""The FastAPI application factory: settings, database, error handling and every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session, sessionmaker

from app import http_errors
from app.access.router import router as access_router
from app.alerts.router import router as alerts_router
from app.audit.router import router as audit_router
from app.auth.bearer import Authenticator
from app.auth.passwords import Passwords
from app.auth.policy import public
from app.auth.router import router as auth_router
from app.auth.tokens import TokenSigner
from app.body_limit import BodyLimitMiddleware
from app.config import Settings
from app.db import engine_from_settings, read_only, read_session_factory, session_factory
from app.health.router import router as health_router
from app.ledger.checkpointer import Checkpointer
from app.ledger.keys import load_signer
from app.ledger.router import router as ledger_router
from app.physical.router import router as physical_router
from app.presence.router import router as presence_router
from app.security_headers import SecurityHeadersMiddleware
from app.topology.router import router as topology_router

# Routes are tried in order: the device endpoints, the busiest, come first (matching
# the routes before them was about 5% of a single post's server CPU, py-spy).
ROUTERS = [
    physical_router,
    access_router,
    health_router,
    auth_router,
    topology_router,
    ledger_router,
    audit_router,
    alerts_router,
    presence_router,
]


def create_app(
    settings: Settings | None = None, *, sessions: sessionmaker[Session] | None = None
) -> FastAPI:
    """Build the app; the engine is made in the lifespan unless `sessions` is given (tests)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sessions is not None:
            app.state.session_factory = sessions
            app.state.read_session_factory = read_only(sessions)
            yield
            return
        engine = engine_from_settings(settings, name="vigie-api")
        app.state.session_factory = session_factory(engine)
        app.state.read_session_factory = read_session_factory(engine)
        checkpointer = None
        if settings.checkpoint_interval_s > 0:
            checkpointer = Checkpointer(
                app.state.session_factory, app.state.ledger_signer, settings.checkpoint_interval_s
            )
            checkpointer.start()
        # No projector here: `vigie serve` runs one for the deployment, not one per worker.
        try:
            yield
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            engine.dispose()

    app = FastAPI(
        title="vigie",
        summary="Evidence service for certified health-data datacenters.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tokens = TokenSigner.from_settings(settings)
    app.state.passwords = Passwords.from_settings(settings)
    app.state.authenticator = Authenticator.from_settings(settings, app.state.tokens)
    app.state.ledger_signer = load_signer(settings)
    http_errors.install(app)
    # Added innermost first: security headers wrap everything, even 413s and CORS answers.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.behind_tls)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/", include_in_schema=False, dependencies=[public()])
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
