"""Signed notes and checkpoints in the C2SP formats."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from app.config import Settings
from app.ledger import keys
from app.ledger.note import Checkpoint, NoteError, Signer, Verifier, key_id, open_checkpoint

# The example key of the Go reference implementation (golang.org/x/mod/sumdb/note):
# PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz
PETER_PRIVATE = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
    "fqdngotpRZb6KE6RyyBwJnAM=\n"
)


def _peter() -> Signer:
    seed = base64.b64decode(PETER_PRIVATE)[1:]
    return Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_key_id_and_verifier_key_match_the_reference_implementation() -> None:
    verifier = _peter().verifier
    assert verifier.key_id == bytes.fromhex("c74f20a3")
    assert verifier.text() == PETER_VERIFIER
    assert Verifier.parse(PETER_VERIFIER) == verifier


def test_reference_note_opens_and_our_signature_is_identical() -> None:
    text = PETER_NOTE.split("\n\n")[0] + "\n"
    assert Verifier.parse(PETER_VERIFIER).open(PETER_NOTE) == text
    # Ed25519 is deterministic: signing the same text gives the reference note.
    assert _peter().sign(text) == PETER_NOTE


@pytest.mark.parametrize(
    "note",
    [
        PETER_NOTE.replace("problem,", "problem;"),
        PETER_NOTE.replace("x08go", "x08gp"),
        PETER_NOTE.replace("\u2014 PeterNeumann", "\u2014 PaulNeumann"),
        PETER_NOTE.replace("\u2014 ", "-- "),
        PETER_NOTE.replace("\n\n", "\n"),
        PETER_NOTE + "garbage",
        PETER_NOTE.replace("x08go/", "!!!"),
    ],
)
def test_altered_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(PETER_VERIFIER).open(note)


@pytest.mark.parametrize(
    "text",
    ["nope", "a+b+c", "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"],
)
def test_malformed_verifier_keys_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(text)


def test_checkpoint_round_trip_and_origin_check() -> None:
    signer = Signer("example.org/log", Ed25519PrivateKey.generate())
    checkpoint = Checkpoint("example.org/log", 42, bytes(range(32)))
    note = signer.sign(checkpoint.text())
    assert note.startswith("example.org/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n")
    assert open_checkpoint(note, signer.verifier) == checkpoint
    other = Signer("other.org/log", signer.private_key)
    with pytest.raises(NoteError, match="not signed by other.org/log"):
        open_checkpoint(note, other.verifier)
    with pytest.raises(NoteError, match="not 'other.org/log'"):
        open_checkpoint(other.sign(checkpoint.text()), other.verifier)


@pytest.mark.parametrize("body", ["o\n042\nAAAA\n", "o\n-1\nAAAA\n", "o\n1\nAAAA\n", "o\n1\n"])
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def test_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", ledger_origin="vigie.test/log")
    first = keys.load_signer(settings)
    path = tmp_path / "var" / "ledger_key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_signer(settings).verifier == first.verifier
    assert first.verifier.name == "vigie.test/log"
    assert key_id("vigie.test/log", first.verifier.public_key) == first.verifier.key_id


def test_configured_key_must_exist_and_be_ed25519(tmp_path: Path) -> None:
    missing = Settings(var_dir=tmp_path, ledger_key_path=tmp_path / "nope.pem")
    with pytest.raises(keys.SigningKeyError, match="cannot read"):
        keys.load_signer(missing)
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(keys.SigningKeyError):
        keys.load_signer(Settings(var_dir=tmp_path, ledger_key_path=bad))


def test_verifier_keys_whose_base64_holds_a_plus_parse() -> None:
    seeds = (bytes([i]) * 32 for i in range(256))
    signers = (Signer("log", Ed25519PrivateKey.from_private_bytes(s)) for s in seeds)
    signer = next(s for s in signers if "+" in s.verifier.text().split("+", 2)[2])
    assert Verifier.parse(signer.verifier.text()) == signer.verifier


@pytest.mark.parametrize("origin", ["", "has space", "a+b", "line\nbreak"])
def test_an_origin_unfit_for_a_note_is_refused_at_startup(origin: str) -> None:
    with pytest.raises(ValidationError):
        Settings(ledger_origin=origin)
