"""Login sessions: password login with lockout, refresh token rotation, logout.

A refused login still changes the database (failure counter, lockout, facts), so these
functions return a Refusal instead of raising: the request's transaction then commits
what the refusal recorded, and the router answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import RefreshToken, User
from app.auth.passwords import Passwords
from app.auth.tokens import ACCESS, REFRESH, Issued, TokenSigner
from app.auth.users import principal_of
from app.config import Settings
from app.errors import Unauthenticated
from app.ledger import service as ledger
from app.ledger.service import NewFact

# One answer for every refused login, so that it tells nothing about the account.
LOGIN_REFUSED = "invalid username or password, or account locked"


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh hands out."""

    access: Issued
    refresh: Issued


@dataclass(frozen=True)
class Refusal:
    """A refused credential whose record must be committed before answering 401."""

    error: Unauthenticated


def _anonymous(client: str | None) -> dict[str, Any]:
    return {"kind": "anonymous", "subject": client or "unknown"}


def _open_session(
    session: Session,
    *,
    tokens: TokenSigner,
    settings: Settings,
    user: User,
    now: datetime,
    family_id: str | None = None,
    expires_at: datetime | None = None,
) -> TokenPair:
    """Issue an access token and a refresh token; a rotation keeps the family's expiry."""
    refresh_expires = expires_at or now + timedelta(seconds=settings.refresh_token_ttl_s)
    refresh = tokens.issue(
        REFRESH, subject=user.username, now=now, expires_at=refresh_expires, claims={}
    )
    family_id = family_id or refresh.jti
    access_expires = min(now + timedelta(seconds=settings.access_token_ttl_s), refresh_expires)
    claims = {"role": user.role, "tenant": user.tenant_id, "sid": family_id}
    access = tokens.issue(
        ACCESS, subject=user.username, now=now, expires_at=access_expires, claims=claims
    )
    session.add(
        RefreshToken(
            jti=refresh.jti,
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=refresh_expires,
        )
    )
    return TokenPair(access=access, refresh=refresh)


def _refusal_reason(user: User | None, password_ok: bool, now: datetime) -> str | None:
    if user is None:
        return "unknown_user"
    if user.disabled:
        return "disabled"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    return None if password_ok else "bad_password"


def login(
    session: Session,
    *,
    settings: Settings,
    passwords: Passwords,
    tokens: TokenSigner,
    username: str,
    password: str,
    client: str | None,
) -> TokenPair | Refusal:
    """Check a password; lock the account after too many failures; record every attempt."""
    now = datetime.now(UTC)
    # Locked so that concurrent attempts count every failure.
    user = session.scalars(
        select(User).where(User.username == username).with_for_update()
    ).one_or_none()
    # Verified even when the account is unknown, disabled or locked: every refusal costs
    # the same Argon2 time, which also slows guessing down.
    password_ok = passwords.verify(user.password_hash if user else None, password)
    reason = _refusal_reason(user, password_ok, now)
    body = {"username": username, "client": client}
    if reason is not None:
        facts = [NewFact("auth.login.failed", _anonymous(client), {**body, "reason": reason})]
        if user is not None and reason == "bad_password":
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.failed_logins = 0
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                locked = {**body, "until": user.locked_until}
                facts.append(NewFact("auth.login.locked", _anonymous(client), locked))
        session.flush()
        ledger.append_many(session, facts)
        return Refusal(Unauthenticated(LOGIN_REFUSED))
    assert user is not None
    user.failed_logins = 0
    user.locked_until = None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    pair = _open_session(session, tokens=tokens, settings=settings, user=user, now=now)
    session.flush()
    actor = principal_of(user).snapshot()
    ledger.append(session, NewFact("auth.login.succeeded", actor, body))
    return pair


def _revoke_family(session: Session, family_id: str, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _token_row(session: Session, *, tokens: TokenSigner, token: str) -> RefreshToken:
    claims = tokens.verify(token, REFRESH)
    row = session.scalars(
        select(RefreshToken).where(RefreshToken.jti == claims["jti"]).with_for_update()
    ).one_or_none()
    if row is None:
        raise Unauthenticated("unknown refresh token")
    return row


def refresh(
    session: Session,
    *,
    settings: Settings,
    tokens: TokenSigner,
    token: str,
    client: str | None,
) -> TokenPair | Refusal:
    """Rotate a refresh token; presenting a used one again revokes its whole session."""
    now = datetime.now(UTC)
    row = _token_row(session, tokens=tokens, token=token)
    user = session.get_one(User, row.user_id)
    if user.disabled:
        raise Unauthenticated("account disabled")
    if row.revoked_at is not None and row.replaced_by is None:
        raise Unauthenticated("refresh token revoked")
    if row.revoked_at is not None:
        # Someone replays a token already rotated or revoked: either it was stolen or the
        # thief already used it, so the session it belongs to ends for everyone
        # (OAuth 2.0 Security BCP, refresh token rotation).
        _revoke_family(session, row.family_id, now)
        session.flush()
        body = {"username": user.username, "client": client, "family": row.family_id}
        ledger.append(session, NewFact("auth.refresh.reused", _anonymous(client), body))
        return Refusal(Unauthenticated("refresh token already used; the session is revoked"))
    pair = _open_session(
        session,
        tokens=tokens,
        settings=settings,
        user=user,
        now=now,
        family_id=row.family_id,
        expires_at=row.expires_at,
    )
    row.revoked_at = now
    row.replaced_by = pair.refresh.jti
    session.flush()
    return pair


def logout(session: Session, *, tokens: TokenSigner, token: str, client: str | None) -> None:
    """End the session a refresh token belongs to; its access tokens stop working too."""
    now = datetime.now(UTC)
    row = _token_row(session, tokens=tokens, token=token)
    user = session.get_one(User, row.user_id)
    _revoke_family(session, row.family_id, now)
    session.flush()
    body = {"username": user.username, "client": client, "family": row.family_id}
    ledger.append(session, NewFact("auth.logout", principal_of(user).snapshot(), body))
