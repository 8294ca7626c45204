"""The registry admin token: from the settings, or generated once into var/admin_token."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from app.config import Settings


def token_path(settings: Settings) -> Path:
    """Where a generated token is kept."""
    return settings.var_dir / "admin_token"


def ensure_admin_token(settings: Settings) -> tuple[str, bool]:
    """The admin token, and whether it was generated just now (then print it once)."""
    if settings.admin_token is not None:
        return settings.admin_token.get_secret_value(), False
    path = token_path(settings)
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token, True
