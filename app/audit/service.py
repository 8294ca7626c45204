"""Every read of evidence is a fact: `evidence.viewed`, with who, what, when and from where.

Each area that serves evidence (physical events, passages, presence, airlock cycles,
alerts, ledger entries; clips, recordings and exports later) calls `record_view` in the
request that answers, after its query, so the read commits with the request: a GET that
shows evidence writes its own record, or shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import EvidenceRead
from app.audit.schemas import ReadOut, ReadPage, ReadQuery
from app.auth.principal import Principal
from app.auth.scope import scoped
from app.keyset import newest_first
from app.ledger import service as ledger
from app.ledger.service import NewFact

FACT_TYPE = "evidence.viewed"
RESOURCE = "evidence_read"  # the list of reads is evidence too: see list_reads
USER_AGENT_MAX = 256  # a header the client chooses: bounded before it enters the ledger


@dataclass(frozen=True)
class Viewer:
    """Who reads evidence, and from where the request came."""

    principal: Principal
    address: str | None
    user_agent: str | None


def record_view(
    session: Session,
    *,
    viewer: Viewer,
    resource: str,
    query: BaseModel | Mapping[str, Any],
    indexes: Sequence[int],
    count: int | None = None,
) -> int:
    """Record that the viewer received these items; the fact's index.

    `indexes` are the ledger indexes of the facts shown (for a read model, the facts each
    item was derived from); `count` the number of items, when it is not one per index.
    Call it last in the transaction: it appends to the ledger, which takes the head lock.
    """
    moment = datetime.now(UTC)
    if isinstance(query, BaseModel):
        asked = query.model_dump(mode="json", exclude_none=True)
    else:
        asked = to_jsonable_python({k: v for k, v in query.items() if v is not None})
    shown = len(indexes) if count is None else count
    user_agent = None if viewer.user_agent is None else viewer.user_agent[:USER_AGENT_MAX]
    actor = viewer.principal.snapshot()
    body = {
        "resource": resource,
        "query": asked,
        "count": shown,
        "indexes": list(indexes),
        "client": {"address": viewer.address, "user_agent": user_agent},
    }
    fact = ledger.append(
        session, NewFact(type=FACT_TYPE, actor=actor, body=body), recorded_at=moment
    )
    session.add(
        EvidenceRead(
            ledger_index=fact.index,
            recorded_at=moment,
            actor=actor,
            actor_subject=viewer.principal.subject,
            resource=resource,
            query=asked,
            item_count=shown,
            item_indexes=list(indexes),
            client_address=viewer.address,
            user_agent=user_agent,
        )
    )
    session.flush()
    return fact.index


def list_reads(session: Session, *, query: ReadQuery, viewer: Viewer) -> ReadPage:
    """A page of reads of evidence, newest first; the listing is itself recorded.

    Who read the log of reads is recorded like any read of evidence (ISO 27001 A.8.15
    asks that logs be protected, and reading them is how one learns whether a look at
    something was noticed). It cannot recurse: one listing appends one fact, after its
    query, so a page never contains its own record.
    """
    read = EvidenceRead
    stmt = scoped(select(read), read, viewer.principal)
    if query.actor is not None:
        stmt = stmt.where(read.actor_subject == query.actor)
    if query.resource is not None:
        stmt = stmt.where(read.resource == query.resource)
    if query.since is not None:
        stmt = stmt.where(read.recorded_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(read.recorded_at < query.until)
    rows, more = newest_first(
        session, stmt, key=read.ledger_index, before=query.before, limit=query.limit
    )
    items = [_out(row) for row in rows]
    record_view(
        session,
        viewer=viewer,
        resource=RESOURCE,
        query=query,
        indexes=[item.index for item in items],
    )
    return ReadPage(items=items, next_before=items[-1].index if more else None)


def _out(row: EvidenceRead) -> ReadOut:
    return ReadOut(
        index=row.ledger_index,
        recorded_at=row.recorded_at,
        actor=row.actor,
        resource=row.resource,
        query=row.query,
        count=row.item_count,
        indexes=row.item_indexes,
        client_address=row.client_address,
        user_agent=row.user_agent,
    )
