"""Argon2id password hashing (argon2-cffi) with the costs from the settings."""

from __future__ import annotations

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import Settings


class Passwords:
    """Hash and verify passwords; a miss costs as much as a hit, known user or not."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=4)

    @classmethod
    def from_settings(cls, settings: Settings) -> Passwords:
        """The hasher the settings describe."""
        return cls(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
        )

    @cached_property
    def _decoy(self) -> str:
        # Verified against when no account matches, so that the time a login takes does
        # not tell an attacker which usernames exist.
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        """A new salted hash of the password."""
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether the password matches the stored hash (always False without one)."""
        if stored is None:
            self._matches(self._decoy, password)
            return False
        return self._matches(stored, password)

    def _matches(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether the hash was made with other costs than today's."""
        return self._hasher.check_needs_rehash(stored)
