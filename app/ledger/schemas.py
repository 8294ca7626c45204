"""What the ledger API answers; the proof documents are also the files `verify-proof` reads."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from app.errors import Invalid

MAX_SIZE = 2**63 - 1
"""Largest index or size a BIGINT holds; larger input is refused before the database."""
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")


def _from_base64(value: object) -> object:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError("not standard base64") from exc
    return value


def _hash_size(value: bytes) -> bytes:
    if len(value) != 32:
        raise ValueError("a hash is 32 bytes")
    return value


_to_base64 = PlainSerializer(lambda v: base64.b64encode(v).decode(), return_type=str)
Blob = Annotated[bytes, BeforeValidator(_from_base64), _to_base64]
Hash = Annotated[bytes, BeforeValidator(_from_base64), AfterValidator(_hash_size), _to_base64]
Size = Annotated[int, Field(ge=0, le=MAX_SIZE)]


def parse_hash(text: str) -> bytes:
    """A leaf hash given as 64 hex digits or standard base64."""
    if _HEX_HASH.fullmatch(text):
        return bytes.fromhex(text)
    try:
        return _hash_size(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise Invalid("a hash is 64 hex digits or the base64 of 32 bytes") from exc


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CheckpointOut(_Out):
    """A signed checkpoint: `note` is the C2SP signed note to keep or hand to a verifier."""

    size: int
    root_hash: Hash
    created_at: datetime
    note: str


class EntryOut(_Out):
    """One fact: its canonical bytes (null once redacted) and its leaf hash."""

    index: int
    type: str
    recorded_at: datetime
    entry: Blob | None
    leaf_hash: Hash


class EntriesOut(_Out):
    """Facts [start, end)."""

    start: int
    end: int
    entries: list[EntryOut]


class PublicKeyOut(_Out):
    """The key that signs checkpoints, as a C2SP verifier key and as raw Ed25519 bytes."""

    origin: str
    verifier_key: str
    public_key: Blob
    key_id: str


class InclusionProofDoc(_Out):
    """Fact `index` is in the tree of `tree_size` facts; `checkpoint` signs that tree."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    kind: Literal["inclusion"] = "inclusion"
    index: Size
    tree_size: Size
    leaf_hash: Hash
    entry: Blob | None
    proof: list[Hash] = Field(max_length=64)
    root_hash: Hash
    checkpoint: str | None


class ConsistencyProofDoc(_Out):
    """The tree of `first` facts is a prefix of the tree of `second` facts."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    kind: Literal["consistency"] = "consistency"
    first: Size
    second: Size
    first_root: Hash
    second_root: Hash
    proof: list[Hash] = Field(max_length=128)
    first_checkpoint: str | None
    second_checkpoint: str | None


ProofDoc = Annotated[InclusionProofDoc | ConsistencyProofDoc, Field(discriminator="kind")]
