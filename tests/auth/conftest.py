"""Auth tests hash passwords with the cheapest Argon2 costs: they test logic, not cost."""

from __future__ import annotations

import pytest

from app.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with cheap password hashing."""
    return settings.model_copy(
        update={"password_hash_time_cost": 1, "password_hash_memory_kib": 64}
    )
