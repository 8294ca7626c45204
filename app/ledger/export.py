"""The ledger as a JSON Lines file that `vigie verify --export` checks without a database.

Line 1: {"format": "vigie-ledger/1", "size": n, "checkpoints": [{"size", "root_hash",
"note"}, ...]}; then one line per entry, in order: {"index", "entry", "leaf_hash"}, bytes
in standard base64 (entry null once redacted). Nodes are not exported: they are rebuilt.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session

from app.ledger.verify import DatabaseSource, StoredCheckpoint

FORMAT = "vigie-ledger/1"


class ExportError(ValueError):
    """The export file is malformed."""


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def write(session: Session, out: IO[bytes]) -> int:
    """Write the log's entries and checkpoints; returns the number of entries."""
    source = DatabaseSource(session)
    header = {
        "format": FORMAT,
        "size": source.size(),
        "checkpoints": [
            {"size": c.size, "root_hash": _b64(c.root_hash), "note": c.note}
            for c in source.checkpoints()
        ],
    }
    out.write(orjson.dumps(header) + b"\n")
    for index, entry, leaf in source.entries():
        encoded = None if entry is None else _b64(entry)
        out.write(orjson.dumps({"index": index, "entry": encoded, "leaf_hash": _b64(leaf)}) + b"\n")
    return source.size()


def _bytes(value: Any, what: str, line: int) -> bytes:
    if not isinstance(value, str):
        raise ExportError(f"line {line}: {what} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ExportError(f"line {line}: {what} is not valid base64") from exc


def _int(value: Any, what: str, line: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ExportError(f"line {line}: {what} is not a non-negative integer")
    return value


class ExportSource:
    """A log read from an export file; no stored nodes to compare."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            header = self._decode(handle.readline(), 1)
        if header.get("format") != FORMAT:
            raise ExportError(f"line 1: not a {FORMAT} export")
        self._size = _int(header.get("size"), "size", 1)
        raw = header.get("checkpoints")
        if not isinstance(raw, list):
            raise ExportError("line 1: checkpoints is not a list")
        self._checkpoints = [self._checkpoint(c) for c in raw]

    @staticmethod
    def _decode(raw: bytes, line: int) -> dict[str, Any]:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ExportError(f"line {line}: not JSON") from exc
        if not isinstance(value, dict):
            raise ExportError(f"line {line}: not a JSON object")
        return value

    @staticmethod
    def _checkpoint(value: Any) -> StoredCheckpoint:
        if not isinstance(value, dict) or not isinstance(value.get("note"), str):
            raise ExportError("line 1: a checkpoint lacks its note")
        return StoredCheckpoint(
            _int(value.get("size"), "checkpoint size", 1),
            _bytes(value.get("root_hash"), "checkpoint root_hash", 1),
            value["note"],
        )

    def size(self) -> int:
        """The size written in the header."""
        return self._size

    def entries(self) -> Iterator[tuple[int, bytes | None, bytes]]:
        """Entry lines, in file order."""
        with self.path.open("rb") as handle:
            handle.readline()
            for number, raw in enumerate(handle, start=2):
                item = self._decode(raw, number)
                entry = item.get("entry")
                yield (
                    _int(item.get("index"), "index", number),
                    None if entry is None else _bytes(entry, "entry", number),
                    _bytes(item.get("leaf_hash"), "leaf_hash", number),
                )

    def nodes(self) -> None:
        """None: an export carries no nodes."""
        return None

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        """The checkpoints of the header."""
        return self._checkpoints
