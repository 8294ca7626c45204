"""Raise alerts from findings (deduplicated), acknowledge and resolve them; list and get."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.models import Alert, AlertOccurrence
from app.alerts.schemas import AlertOut, AlertPage, AlertQuery
from app.audit import service as audit
from app.auth.principal import Principal
from app.auth.scope import scoped
from app.errors import Conflict, NotFound
from app.keyset import newest_first
from app.ledger import service as ledger
from app.ledger.encoding import utc_text

RESOURCE = "alert"  # what an evidence.viewed fact of an alert read names
MAX_FACTS = 100  # fact indexes kept on an alert; its occurrences keep one each
SUBJECTS = ("door_id", "zone_id", "reader_id", "person_id", "airlock_id")


@dataclass(frozen=True)
class Finding:
    """One thing a rule found; `occurrence` names it uniquely so re-deriving it is a no-op."""

    kind: str
    severity: str
    occurrence: str
    occurred_at: datetime
    summary: str
    subjects: dict[str, int] = field(default_factory=dict)
    fact_indexes: tuple[int, ...] = ()

    @property
    def dedup_key(self) -> str:
        """Kind and subjects: repeats with the same key fold into one unresolved alert."""
        refs = ",".join(f"{name}={self.subjects[name]}" for name in sorted(self.subjects))
        return f"{self.kind}:{refs}"


def raise_findings(
    session: Session, *, findings: Iterable[Finding], actor: Principal
) -> list[ledger.NewFact]:
    """Fold new findings into alerts; the alert.raised facts, for the caller to append last."""
    pending = {f.occurrence: f for f in findings}
    if not pending:
        return []
    known = set(
        session.scalars(select(AlertOccurrence.key).where(AlertOccurrence.key.in_(pending)))
    )
    facts = []
    now = datetime.now(UTC)
    # Time order, so that what folds into which alert does not depend on arrival order.
    for finding in sorted(pending.values(), key=lambda f: (f.occurred_at, f.occurrence)):
        if finding.occurrence in known:
            continue
        alert = _unresolved(session, finding.dedup_key)
        if alert is None:
            alert = _new_alert(session, finding, now)
            facts.append(_fact("alert.raised", alert, actor, {"summary": alert.summary}))
        else:
            alert.count += 1
            alert.first_at = min(alert.first_at, finding.occurred_at)
            alert.last_at = max(alert.last_at, finding.occurred_at)
            merged = sorted({*alert.fact_indexes, *finding.fact_indexes})
            alert.fact_indexes = merged[:MAX_FACTS]
        first = finding.fact_indexes[0] if finding.fact_indexes else None
        session.add(
            AlertOccurrence(
                alert_id=alert.id,
                key=finding.occurrence,
                occurred_at=finding.occurred_at,
                fact_index=first,
            )
        )
    session.flush()
    return facts


def acknowledge(session: Session, *, alert_id: int, note: str, principal: Principal) -> AlertOut:
    """Someone has seen the alert and takes it on; only an open alert can be acknowledged."""
    alert = _get(session, alert_id, lock=True)
    if alert.state != "open":
        raise Conflict(f"alert {alert_id} is {alert.state}, not open")
    return _move(session, alert, "acknowledged", note=note, principal=principal)


def resolve(session: Session, *, alert_id: int, note: str, principal: Principal) -> AlertOut:
    """Close the alert with why; a later repeat opens a new one."""
    alert = _get(session, alert_id, lock=True)
    if alert.state == "resolved":
        raise Conflict(f"alert {alert_id} is already resolved")
    return _move(session, alert, "resolved", note=note, principal=principal)


def _move(
    session: Session,
    alert: Alert,
    state: Literal["acknowledged", "resolved"],
    *,
    note: str,
    principal: Principal,
) -> AlertOut:
    """Put the alert in `state` with who, when and why (its `<state>_at/_by/_note`
    columns), recorded as the fact `alert.<state>`."""
    alert.state = state
    setattr(alert, f"{state}_at", datetime.now(UTC))
    setattr(alert, f"{state}_by", _who(principal))
    setattr(alert, f"{state}_note", note)
    session.flush()
    ledger.append(session, _fact(f"alert.{state}", alert, principal, {"note": note}))
    return AlertOut.model_validate(alert)


def get(session: Session, *, alert_id: int, viewer: audit.Viewer) -> AlertOut:
    """One alert the viewer may see (404 otherwise); the read is recorded."""
    stmt = scoped(select(Alert).where(Alert.id == alert_id), Alert, viewer.principal)
    alert = session.scalars(stmt).first()
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    out = AlertOut.model_validate(alert)
    record_read(session, viewer=viewer, query={"alert_id": alert_id}, alerts=[out])
    return out


def list_alerts(session: Session, *, query: AlertQuery, viewer: audit.Viewer) -> AlertPage:
    """Alerts the viewer may see matching the filters, newest first, a page at a time
    (keyset on id); the read is recorded."""
    stmt = scoped(select(Alert), Alert, viewer.principal)
    for name in ("state", "kind", "severity", *SUBJECTS):
        value = getattr(query, name.removesuffix("_id"))
        if value is not None:
            stmt = stmt.where(getattr(Alert, name) == value)
    if query.since is not None:
        stmt = stmt.where(Alert.last_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(Alert.first_at < query.until)
    rows, more = newest_first(session, stmt, key=Alert.id, before=query.cursor, limit=query.limit)
    items = [AlertOut.model_validate(row) for row in rows]
    record_read(session, viewer=viewer, query=query, alerts=items)
    return AlertPage(items=items, next_cursor=items[-1].id if more else None)


def newer_than(
    session: Session, *, after_id: int, limit: int, principal: Principal
) -> Sequence[AlertOut]:
    """Alerts the principal may see created after `after_id`, oldest first (the stream's
    next batch)."""
    stmt = scoped(select(Alert).where(Alert.id > after_id), Alert, principal)
    rows = session.scalars(stmt.order_by(Alert.id).limit(limit)).all()
    return [AlertOut.model_validate(row) for row in rows]


def record_read(
    session: Session,
    *,
    viewer: audit.Viewer,
    query: AlertQuery | dict[str, Any],
    alerts: Sequence[AlertOut],
) -> None:
    """Record that the viewer was shown these alerts, with the facts behind each of them.

    Alerts name people and what they did where (a withdrawn badge used at a door, an
    anti-passback breach): reading them is a read of evidence.
    """
    facts = dict.fromkeys(index for alert in alerts for index in alert.fact_indexes)
    audit.record_view(
        session,
        viewer=viewer,
        resource=RESOURCE,
        query=query,
        indexes=list(facts),
        count=len(alerts),
    )


def _unresolved(session: Session, key: str) -> Alert | None:
    return session.scalars(
        select(Alert)
        .where(Alert.dedup_key == key, Alert.state != "resolved")
        .order_by(Alert.id.desc())
        .limit(1)
    ).first()


def _new_alert(session: Session, finding: Finding, now: datetime) -> Alert:
    alert = Alert(
        kind=finding.kind,
        severity=finding.severity,
        state="open",
        dedup_key=finding.dedup_key,
        summary=finding.summary[:300],
        count=1,
        first_at=finding.occurred_at,
        last_at=finding.occurred_at,
        fact_indexes=sorted(finding.fact_indexes)[:MAX_FACTS],
        raised_at=now,
        **{name: finding.subjects.get(name) for name in SUBJECTS},
    )
    session.add(alert)
    session.flush()
    return alert


def _get(session: Session, alert_id: int, *, lock: bool) -> Alert:
    stmt = select(Alert).where(Alert.id == alert_id)
    alert = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def _who(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


def _fact(type_: str, alert: Alert, actor: Principal, extra: dict[str, Any]) -> ledger.NewFact:
    body: dict[str, Any] = {
        "alert_id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "dedup_key": alert.dedup_key,
        "first_at": utc_text(alert.first_at),
        "facts": alert.fact_indexes,
        **{name: getattr(alert, name) for name in SUBJECTS if getattr(alert, name) is not None},
        **extra,
    }
    return ledger.NewFact(type=type_, actor=actor.snapshot(), body=body)
