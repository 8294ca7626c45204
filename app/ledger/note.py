"""C2SP signed notes (Ed25519) carrying C2SP tlog-checkpoint bodies.

A note is its text, a blank line, then lines `— <key name> <base64(key id || signature)>`;
the key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key), and a
verifier key is `<name>+<hex key id>+<base64(0x01 || public key)>`
(https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
_NAME = re.compile(r"[^\s+]+")
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or not signed by the expected key."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise NoteError(f"invalid base64: {text[:60]!r}") from exc


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key, as the signed-note spec computes it."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key that checks signed notes."""

    name: str
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Read a verifier key `<name>+<hex key id>+<base64(0x01 || key)>`."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _NAME.fullmatch(parts[0]):
            raise NoteError("a verifier key reads <name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("the verifier key is not an Ed25519 key")
        verifier = cls(name, raw[1:])
        if hex_id.lower() != verifier.key_id.hex():
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    @property
    def key_id(self) -> bytes:
        """The key id that prefixes this key's signatures."""
        return key_id(self.name, self.public_key)

    def text(self) -> str:
        """The verifier key as one shares it."""
        encoded = base64.b64encode(ED25519 + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def open(self, note: str) -> str:
        """The text of a note signed by this key; NoteError otherwise."""
        if len(note.encode()) > MAX_NOTE_BYTES:
            raise NoteError("the note is too large")
        cut = note.rfind("\n\n")
        if cut < 0:
            raise NoteError("the note has no signature block")
        text, block = note[: cut + 1], note[cut + 2 :]
        lines = block.split("\n")
        if not block.endswith("\n") or len(lines) - 1 > MAX_SIGNATURES:
            raise NoteError("malformed signature block")
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        for line in lines[:-1]:
            name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
            if not line.startswith(SIGNATURE_PREFIX) or not _NAME.fullmatch(name):
                raise NoteError(f"malformed signature line: {line[:80]!r}")
            raw = _b64decode(encoded)
            if name != self.name or raw[:4] != self.key_id:
                continue
            try:
                public.verify(raw[4:], text.encode())
            except InvalidSignature as exc:
                raise NoteError(f"the signature by {self.name} is invalid") from exc
            return text
        raise NoteError(f"the note is not signed by {self.name}")


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key that signs notes."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise NoteError(f"invalid key name {self.name!r}: no spaces or '+'")

    @property
    def verifier(self) -> Verifier:
        """The matching verifier."""
        return Verifier(self.name, _raw(self.private_key.public_key()))

    def sign(self, text: str) -> str:
        """The note: the text, a blank line and this key's signature line."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("a note's text ends with a newline and has no blank line")
        signature = self.private_key.sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Checkpoint:
    """The body of a C2SP tlog checkpoint: origin, tree size and root hash."""

    origin: str
    size: int
    root_hash: bytes

    def text(self) -> str:
        """The checkpoint as note text."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint body (extension lines, if any, are ignored)."""
        lines = text.split("\n")
        if len(lines) < 4 or not _NAME.fullmatch(lines[0]) or not _SIZE.fullmatch(lines[1]):
            raise NoteError("a checkpoint reads origin, size and root hash, one per line")
        root_hash = _b64decode(lines[2])
        if len(root_hash) != 32:
            raise NoteError("the checkpoint's root hash is not 32 bytes")
        return cls(lines[0], int(lines[1]), root_hash)


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint of a note signed by `verifier`, from the log that key names."""
    checkpoint = Checkpoint.parse(verifier.open(note))
    if checkpoint.origin != verifier.name:
        raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {verifier.name!r}")
    return checkpoint
