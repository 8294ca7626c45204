"""Verify a whole log: every leaf from its bytes, every stored node, every checkpoint.

The source is the database or an export file (app/ledger/export.py). The tree is rebuilt
in memory from the entries alone; what the database stored at append time (leaf hashes,
subtree hashes) and what was signed (checkpoints) must all agree with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ledger import merkle
from app.ledger import service as ledger
from app.ledger.merkle import Subtree
from app.ledger.models import NODE_MIN_LEVEL, LedgerCheckpoint, LedgerEntry, LedgerNode
from app.ledger.note import NoteError, Verifier, open_checkpoint

MAX_REPORTED = 20
PROGRESS_STEP = 10_000


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as the source holds it."""

    size: int
    root_hash: bytes
    note: str


class LogSource(Protocol):
    """Where the log to verify is read from."""

    def size(self) -> int:
        """The size the source claims."""
        ...

    def entries(self) -> Iterable[tuple[int, bytes | None, bytes]]:
        """(index, canonical bytes or None once redacted, stored leaf hash), in order."""
        ...

    def nodes(self) -> Iterable[tuple[int, int, bytes]] | None:
        """Stored subtree hashes (level, index, hash) within the claimed size, if any."""
        ...

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        """Checkpoints within the claimed size, smallest first."""
        ...


@dataclass
class Report:
    """What verification found; the first failures in log order, then a count."""

    size: int = 0
    nodes: int = 0
    checkpoints: int = 0
    root_hash: bytes = merkle.EMPTY_ROOT
    failures: list[str] = field(default_factory=list)
    unreported: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing diverged."""
        return not self.failures

    def fail(self, message: str) -> None:
        """Record a failure."""
        if len(self.failures) < MAX_REPORTED:
            self.failures.append(message)
        else:
            self.unreported += 1


class MemoryTree:
    """The tree rebuilt from the entries: leaf hashes and every subtree of 32 leaves or more."""

    def __init__(self) -> None:
        self.leaves = bytearray()
        self.builder = merkle.TreeBuilder(min_level=NODE_MIN_LEVEL)

    @property
    def size(self) -> int:
        """Leaves appended."""
        return self.builder.size

    def append(self, leaf: bytes) -> None:
        """Add a leaf hash."""
        self.leaves += leaf
        self.builder.append(leaf)

    def nodes(self) -> dict[Subtree, bytes]:
        """Every subtree of NODE_MIN_LEVEL or more, by (level, index)."""
        return {(level, index): h for level, index, h in self.builder.completed}

    def range_hash(self, start: int, end: int, nodes: dict[Subtree, bytes]) -> bytes:
        """The hash of leaves [start, end)."""
        hashes = []
        for level, index in merkle.subtrees(start, end):
            if level >= NODE_MIN_LEVEL:
                hashes.append(nodes[(level, index)])
            else:
                a, b = index << level, (index + 1) << level
                hashes.append(merkle.root([self.leaf(i) for i in range(a, b)]))
        return merkle.fold(hashes)

    def leaf(self, index: int) -> bytes:
        """The leaf hash at an index."""
        return bytes(self.leaves[index * 32 : index * 32 + 32])


def claimed_index(entry: bytes) -> object:
    """The index an entry's canonical bytes name (None when they are not a fact)."""
    try:
        decoded = orjson.loads(entry)
    except orjson.JSONDecodeError:
        return None
    return decoded.get("index") if isinstance(decoded, dict) else None


def _check_entries(
    source: LogSource, tree: MemoryTree, report: Report, progress: Callable[[int], None]
) -> None:
    # Local names: this loop runs once per fact of the log.
    append, leaf_hash, expected = tree.append, merkle.leaf_hash, tree.size
    for index, entry, stored in source.entries():
        if index != expected:
            report.fail(f"entry {expected} is missing: the next stored entry is {index}")
            return
        leaf = stored
        if entry is not None:
            leaf = leaf_hash(entry)
            if leaf != stored:
                report.fail(
                    f"entry {index}: its bytes hash to {leaf.hex()}, "
                    f"the stored leaf hash is {stored.hex()}"
                )
            elif claimed_index(entry) != index:
                report.fail(f"entry {index}: its bytes name index {claimed_index(entry)}")
        append(leaf)
        expected += 1
        if not expected % PROGRESS_STEP:
            progress(PROGRESS_STEP)


def _check_nodes(source: LogSource, nodes: dict[Subtree, bytes], report: Report) -> None:
    stored_nodes = source.nodes()
    if stored_nodes is None:
        return
    diverging: list[tuple[int, int, str]] = []
    seen: set[Subtree] = set()
    for level, index, stored in stored_nodes:
        seen.add((level, index))
        first, last = index << level, ((index + 1) << level) - 1
        expected = nodes.get((level, index))
        if expected is None:
            diverging.append((first, level, f"node ({level}, {index}) is beyond the entries"))
        elif expected != stored:
            diverging.append(
                (
                    first,
                    level,
                    f"entries {first}..{last} differ from the tree stored when they were "
                    f"appended: node ({level}, {index}) is {stored.hex()}, "
                    f"the entries give {expected.hex()}",
                )
            )
    for level, index in nodes.keys() - seen:
        diverging.append((index << level, level, f"node ({level}, {index}) is missing"))
    report.nodes = len(seen)
    # Smallest subtrees first: they name the diverging entries most precisely.
    for _, _, message in sorted(diverging, key=lambda d: (d[1], d[0]))[:MAX_REPORTED]:
        report.fail(message)


def _check_checkpoints(
    source: LogSource,
    tree: MemoryTree,
    nodes: dict[Subtree, bytes],
    verifier: Verifier,
    report: Report,
) -> None:
    previous: tuple[int, bytes] | None = None
    for stored in source.checkpoints():
        report.checkpoints += 1
        where = f"checkpoint at size {stored.size}"
        try:
            signed = open_checkpoint(stored.note, verifier)
        except NoteError as exc:
            report.fail(f"{where}: {exc}")
            continue
        if (signed.size, signed.root_hash) != (stored.size, stored.root_hash):
            report.fail(f"{where}: the signed note says size {signed.size}, another root")
            continue
        if signed.size > tree.size:
            report.fail(f"{where}: beyond the {tree.size} entries of the log")
            continue
        computed = tree.range_hash(0, signed.size, nodes)
        if computed != signed.root_hash:
            report.fail(
                f"{where}: signed root {signed.root_hash.hex()}, the entries give {computed.hex()}"
            )
        if previous is not None:
            size, root_hash = previous
            proof = merkle.consistency_proof(
                size, signed.size, lambda a, b: tree.range_hash(a, b, nodes)
            )
            try:
                merkle.verify_consistency(size, signed.size, root_hash, signed.root_hash, proof)
            except merkle.ProofError as exc:
                report.fail(f"{where} is not consistent with the checkpoint at size {size}: {exc}")
        previous = (signed.size, signed.root_hash)


def verify_log(
    source: LogSource, verifier: Verifier, *, progress: Callable[[int], None] = lambda _: None
) -> Report:
    """Recompute the log from its entries and check everything stored and signed about it."""
    report = Report()
    tree = MemoryTree()
    _check_entries(source, tree, report, progress)
    report.size = tree.size
    claimed = source.size()
    if tree.size != claimed:
        report.fail(f"the log claims {claimed} entries; {tree.size} verify in sequence")
    nodes = tree.nodes()
    _check_nodes(source, nodes, report)
    _check_checkpoints(source, tree, nodes, verifier, report)
    report.root_hash = tree.range_hash(0, tree.size, nodes)
    return report


class DatabaseSource:
    """The log as the database holds it, read in index order."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Facts appended while we read are outside the size read first, so ignored.
        self._size = ledger.size(session)

    def size(self) -> int:
        """The head's size when verification started."""
        return self._size

    def entries(self) -> Iterable[tuple[int, bytes | None, bytes]]:
        """Every stored entry below the size."""
        query = (
            select(LedgerEntry.index, LedgerEntry.entry, LedgerEntry.leaf_hash)
            .where(LedgerEntry.index < self._size)
            .order_by(LedgerEntry.index)
            .execution_options(yield_per=20_000)
        )
        # Core rows on the session's connection: the ORM's row handling would double the time.
        return self.session.connection().execute(query)

    def nodes(self) -> Iterable[tuple[int, int, bytes]]:
        """Stored nodes whose leaves are all below the size."""
        query = select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).execution_options(
            yield_per=20_000
        )
        for level, index, value in self.session.connection().execute(query):
            if (index + 1) << level <= self._size:
                yield level, index, value

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        """Checkpoints up to the size."""
        rows = self.session.execute(
            select(LedgerCheckpoint.size, LedgerCheckpoint.root_hash, LedgerCheckpoint.note)
            .where(LedgerCheckpoint.size <= self._size)
            .order_by(LedgerCheckpoint.size)
        )
        return [StoredCheckpoint(size, root_hash, note) for size, root_hash, note in rows]
