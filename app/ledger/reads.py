"""Reads of the ledger that show facts themselves (entries, inclusion proofs): each recorded.

A fact's canonical bytes hold its body (who swiped where, who read what): answering them is
showing evidence. Checkpoints, consistency proofs and the public key show hashes, sizes and
signatures only, and are not recorded (README, "Reads of evidence").
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.ledger import proofs
from app.ledger.schemas import EntriesOut, EntryOut, InclusionProofDoc

RESOURCE = "ledger_entry"  # what an evidence.viewed fact of these reads names


def entries(session: Session, *, start: int, end: int, viewer: audit.Viewer) -> EntriesOut:
    """Facts [start, end) with their bytes and leaf hashes; the read is recorded.

    The record is appended after the range was read, so it is never among the entries it
    names.
    """
    rows = proofs.entries(session, start=start, end=end)
    audit.record_view(
        session,
        viewer=viewer,
        resource=RESOURCE,
        query={"start": start, "end": end},
        indexes=[row.index for row in rows],
    )
    return EntriesOut(start=start, end=end, entries=[EntryOut.model_validate(r) for r in rows])


def inclusion(
    session: Session,
    *,
    index: int | None,
    leaf_hash: bytes | None,
    size: int | None,
    viewer: audit.Viewer,
) -> InclusionProofDoc:
    """Proof that a fact is in the tree, with the fact's bytes; the read is recorded.

    Asked by index, the proof shows a fact the caller could not name otherwise; asked by
    leaf hash too (leaf hashes come out of consistency proofs), so both are recorded.
    """
    found = proofs.inclusion(session, index=index, leaf_hash=leaf_hash, size=size)
    asked = {
        "index": index,
        "leaf_hash": None if leaf_hash is None else leaf_hash.hex(),
        "size": size,
    }
    audit.record_view(session, viewer=viewer, resource=RESOURCE, query=asked, indexes=[found.index])
    return InclusionProofDoc.model_validate(found)
