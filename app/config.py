"""Settings of the vigie service, read once from the environment (prefix VIGIE_)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a VIGIE_ environment variable; README.md lists them."""

    model_config = SettingsConfigDict(env_prefix="VIGIE_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Local state: SQLite file, keys, blobs.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is the SQLite file var/vigie.db."
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Bearer token of the registry admin; generated into var/admin_token "
        "on first run when unset.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    signature_max_age_s: int = Field(
        300, ge=1, description="Device signatures older or newer than this are refused."
    )
    clock_skew_tolerance_s: int = Field(
        30, ge=0, description="Device clocks further than this from ours are flagged."
    )
    max_future_s: int = Field(
        300, ge=0, description="Events dated further than this after now are refused."
    )
    max_batch: int = Field(1000, ge=1, le=10_000, description="Most events in one batch.")
    max_body_bytes: int = Field(2_000_000, ge=1024, description="Largest request body.")
    db_pool_size: int = Field(10, ge=1, description="Connections kept per worker (PostgreSQL).")
    ledger_key_path: Path | None = Field(
        None,
        description="Ed25519 private key (PKCS8 PEM) signing the ledger's checkpoints; "
        "default var/ledger_key.pem, created (mode 0600) on first run.",
    )
    ledger_origin: str = Field(
        "vigie.local/ledger",
        pattern=r"^[^\s+]{1,200}$",
        description="Names this log: first line of every checkpoint and the name of its "
        "signing key (a schema-less URL, no spaces or '+').",
    )
    checkpoint_interval_s: float = Field(
        300, ge=0, description="Seconds between automatic checkpoints; 0 turns them off."
    )

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'vigie.db').resolve()}"
