"""Facts read from the ledger as they are: evidence, so each read is recorded."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.ledger import proofs
from app.ledger.schemas import EntriesOut, EntryOut

RESOURCE = "ledger_entry"  # what an evidence.viewed fact of this read names


def read(session: Session, *, start: int, end: int, viewer: audit.Viewer) -> EntriesOut:
    """Facts [start, end) with their bytes and leaf hashes; the read is recorded.

    The bytes hold each fact's body (who swiped where, who read what): reading them is
    reading the evidence itself. The record is appended after the range was read, so it
    is never among the entries it names.
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
