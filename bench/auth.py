"""Cost of identity: a password login at the default Argon2 costs, and resolving a token.

Run: `python bench/auth.py` (in-process, SQLite file in a temporary directory).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.auth import service, users
from app.auth.bearer import Authenticator
from app.auth.passwords import Passwords
from app.auth.principal import SYSTEM
from app.auth.tokens import TokenSigner
from app.config import Settings
from app.db import engine_from_settings, session_factory, transaction
from app.migrations_state import upgrade

PASSWORD = "bench password 0123456789"


def timed(label: str, runs: int, call: Callable[[], object]) -> None:
    """Print the median and 95th percentile of `runs` calls, in milliseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{label}: median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms ({runs} runs)")


def in_transaction(factory: sessionmaker[Session], work: Callable[[Session], object]) -> None:
    """Run work in one committed transaction, as a request does."""
    for session in transaction(factory):
        work(session)


def main() -> None:
    """One account in a fresh database; time logins and token checks."""
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(var_dir=Path(directory))
        engine = engine_from_settings(settings)
        upgrade(engine)
        factory = session_factory(engine)
        passwords = Passwords.from_settings(settings)
        tokens = TokenSigner.from_settings(settings)
        authenticator = Authenticator.from_settings(settings, tokens)
        in_transaction(
            factory,
            lambda s: users.add_user(
                s,
                passwords=passwords,
                min_password_length=settings.password_min_length,
                username="bench",
                password=PASSWORD,
                role="auditor",
                tenant_code=None,
                actor=SYSTEM,
            ),
        )

        def login(session: Session, username: str = "bench", password: str = PASSWORD) -> object:
            return service.login(
                session,
                settings=settings,
                passwords=passwords,
                tokens=tokens,
                username=username,
                password=password,
                client="127.0.0.1",
            )

        pair = None
        for session in transaction(factory):
            pair = login(session)
        assert isinstance(pair, service.TokenPair)
        access = pair.access.token
        costs = f"m={settings.password_hash_memory_kib}KiB t={settings.password_hash_time_cost}"
        timed(f"login, argon2id {costs}", 20, lambda: in_transaction(factory, login))
        timed(
            "refused login, unknown user",
            20,
            lambda: in_transaction(factory, lambda s: login(s, "nobody")),
        )
        # Fewer attempts than the lockout threshold, so that the account stays usable.
        timed(
            "refused login, wrong password",
            settings.login_max_failures - 1,
            lambda: in_transaction(factory, lambda s: login(s, password="wrong password!")),
        )
        timed("access token signature and claims", 500, lambda: tokens.verify(access, "at+jwt"))
        timed(
            "access token resolved to a principal (with its two queries)",
            500,
            lambda: in_transaction(factory, lambda s: authenticator.authenticate(s, access)),
        )
        engine.dispose()


if __name__ == "__main__":
    main()
