"""The token signing key: created once, private, reused; or given, and then Ed25519 only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.auth.keys import key_path, signing_key
from app.config import Settings


def raw(key: Ed25519PrivateKey) -> bytes:
    """The key's raw private bytes, to compare keys."""
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def test_first_run_creates_a_private_key_file_then_reuses_it(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    first = signing_key(settings)
    path = key_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert raw(signing_key(settings)) == raw(first)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_key_from_the_settings_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    settings = Settings(var_dir=tmp_path / "var", jwt_private_key=pem)
    assert raw(signing_key(settings)) == raw(key)
    assert not (tmp_path / "var").exists()


def test_a_key_of_another_kind_is_refused(tmp_path: Path) -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    settings = Settings(var_dir=tmp_path, jwt_private_key=pem.decode())
    with pytest.raises(ValueError, match="Ed25519"):
        signing_key(settings)
