"""Settings of the vigie service, read once from the environment (prefix VIGIE_)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.auth.principal import Role

# Algorithms an identity provider may sign with: asymmetric only, so that a public key can
# never serve as an HMAC secret, and never "none".
OIDC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"})


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
    host: str = Field("127.0.0.1", description="Address `vigie serve` binds.")
    port: int = Field(8000, description="Port `vigie serve` listens on.")
    log_level: str = Field("info", description="uvicorn log level (debug, info, warning...).")
    access_log: bool = Field(True, description="Log every HTTP request (uvicorn access log).")
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
    batch_writers: int = Field(
        1,
        ge=1,
        le=64,
        description="Batches each worker process stores at once; more wait their turn "
        "(without a thread or a connection). Every batch ends under the log-wide ledger "
        "lock, and batches running beside its holder only slow it down.",
    )
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

    projector_interval_s: float = Field(
        2,
        ge=0,
        description="Seconds between projector runs (passages, presence, alerts) of the one "
        "projector process `vigie serve` starts; 0: none is started (run `vigie project "
        "[--follow]` or `vigie rebuild`).",
    )
    projector_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="Niceness the projector process adds to itself (0 to 19): ingest and "
        "queries go first, the projector catches up after a burst.",
    )
    projector_batch: int = Field(
        5000, ge=1, le=100_000, description="Physical events the projector reads per run."
    )
    projector_yield_rate: int = Field(
        1000,
        ge=0,
        description="While events arrive faster than this many per second (a replay "
        "after an outage, not live traffic), the projector takes one batch per interval "
        "instead of catching up back to back, leaving the CPU to ingest, and catches up "
        "when the burst is over; 0: it never yields.",
    )
    projector_yield_max_s: float = Field(
        30,
        ge=0,
        description="The projector yields to a burst for at most this many seconds since it "
        "was last up to date; then it catches up whatever arrives, so presence is never "
        "left behind by a long, steady flow.",
    )
    passage_window_s: int = Field(
        15,
        ge=1,
        le=300,
        description="A granted swipe followed by its door opening within "
        "this many seconds is a passage; otherwise an unused grant.",
    )
    anti_passback_open_stay_s: int = Field(
        43200,
        ge=1,
        description="In anti-passback deny zones, a stay whose exit was never badged "
        "holds against entering again for this long after its entry; older, it denies "
        "nothing (the person's whereabouts are unknown).",
    )
    held_open_s: int = Field(
        60, ge=1, description="A door opened this long without closing is held open (alert)."
    )
    reader_offline_s: int = Field(
        900, ge=1, description="A reader with no heartbeat for this long is offline (alert)."
    )
    alert_stream_poll_s: float = Field(
        1.0, gt=0, le=60, description="How often the alert stream looks for new alerts."
    )
    alert_stream_max_s: float = Field(
        300,
        gt=0,
        description="An alert stream ends after this long; clients reconnect with "
        "Last-Event-ID and miss nothing.",
    )

    jwt_private_key: SecretStr | None = Field(
        None,
        description="PEM (PKCS8) Ed25519 private key signing vigie's tokens; generated into "
        "var/jwt_ed25519.pem (mode 0600) on first run when unset.",
    )
    jwt_issuer: str = Field("vigie", min_length=1, description="`iss` of vigie's tokens.")
    jwt_audience: str = Field("vigie", min_length=1, description="`aud` of vigie's tokens.")
    jwt_leeway_s: int = Field(
        10, ge=0, le=120, description="Clock difference tolerated on exp, nbf and iat."
    )
    access_token_ttl_s: int = Field(900, ge=60, le=3600, description="Lifetime of an access token.")
    refresh_token_ttl_s: int = Field(
        43_200,
        ge=300,
        description="Lifetime of a login session: its refresh tokens, rotated on each use, "
        "all expire this long after the login.",
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins in a row that lock an account."
    )
    login_lockout_minutes: int = Field(
        15, ge=1, description="How long a locked account refuses every login."
    )
    password_min_length: int = Field(12, ge=8, description="Shortest password accepted.")
    password_hash_time_cost: int = Field(
        3, ge=1, description="Argon2id passes (RFC 9106 low-memory profile: 3)."
    )
    password_hash_memory_kib: int = Field(
        65_536,
        ge=64,
        description="Argon2id memory in KiB (RFC 9106 low-memory profile: 65536); hashes made "
        "with other costs are upgraded at the next login.",
    )

    oidc_issuer: str | None = Field(
        None, description="`iss` of an external identity provider whose tokens are accepted."
    )
    oidc_audience: str | None = Field(
        None, description="`aud` the identity provider puts in tokens meant for vigie."
    )
    oidc_jwks_url: str | None = Field(
        None, description="URL of the provider's JWKS (https, or http on loopback)."
    )
    oidc_jwks_file: Path | None = Field(
        None, description="JWKS file of the provider, for air-gapped sites (instead of a URL)."
    )
    oidc_jwks_cache_s: int = Field(
        300, ge=1, description="How long fetched provider keys are reused."
    )
    oidc_algorithms: Annotated[list[str], NoDecode] = Field(
        ["RS256", "ES256", "EdDSA"],
        description="Comma-separated algorithms accepted from the provider (asymmetric only).",
    )
    oidc_roles_claim: str = Field(
        "roles", description="Claim (string or list) naming the caller's roles."
    )
    oidc_role_map: dict[str, Role] = Field(
        {},
        description="JSON object mapping provider role names to vigie roles, e.g. "
        '{"dc-auditors": "auditor"}; empty: the claim holds vigie role names.',
    )
    oidc_tenant_claim: str = Field(
        "vigie_tenant", description="Claim holding a tenant auditor's tenant code."
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        [], description="Comma-separated origins allowed by CORS; empty (default): none."
    )
    behind_tls: bool = Field(
        False,
        description="Clients reach vigie over HTTPS (directly or through a proxy): answers "
        "carry Strict-Transport-Security.",
    )

    @field_validator("oidc_algorithms", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("oidc_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        refused = sorted(set(value) - OIDC_ALGORITHMS)
        if refused or not value:
            raise ValueError(f"accepted algorithms: {sorted(OIDC_ALGORITHMS)}; got {value}")
        return value

    @field_validator("oidc_role_map")
    @classmethod
    def _people_roles_only(cls, value: dict[str, Role]) -> dict[str, Role]:
        if Role.device in value.values():
            raise ValueError("the device role is for machine credentials, never for people")
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> Self:
        if self.oidc_issuer is None:
            return self
        if not self.oidc_audience:
            raise ValueError("VIGIE_OIDC_AUDIENCE is required with VIGIE_OIDC_ISSUER")
        if (self.oidc_jwks_url is None) == (self.oidc_jwks_file is None):
            raise ValueError("set exactly one of VIGIE_OIDC_JWKS_URL and VIGIE_OIDC_JWKS_FILE")
        if self.oidc_issuer == self.jwt_issuer:
            raise ValueError("VIGIE_OIDC_ISSUER must differ from VIGIE_JWT_ISSUER")
        if self.oidc_jwks_url is not None:
            url = urlsplit(self.oidc_jwks_url)
            loopback = url.hostname in {"127.0.0.1", "::1", "localhost"}
            if url.scheme != "https" and not (url.scheme == "http" and loopback):
                raise ValueError("VIGIE_OIDC_JWKS_URL must use https (http only on loopback)")
        return self

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'vigie.db').resolve()}"
