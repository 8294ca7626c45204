"""HTTP layer of access decisions: readers ask online, or fetch their signed snapshot."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from app.access import service, snapshot
from app.access.schemas import DECIDE, Decision, SignedSnapshot
from app.deps import SessionDep, SettingsDep
from app.ledger.encoding import canonical
from app.ledger.router import SignerDep
from app.physical.router import parse_body
from app.physical.signatures import DeviceAuth

router = APIRouter(prefix="/api/v1/access", tags=["access"])


@router.post("/decide")
def decide(post: DeviceAuth, session: SessionDep, settings: SettingsDep) -> Decision:
    """Grant or deny a badge at the calling reader's door; the decision is recorded."""
    request = parse_body(DECIDE, post.body)
    return service.decide(session, post=post, request=request, settings=settings)


@router.get("/snapshot", responses={200: {"model": SignedSnapshot}})
def get_snapshot(
    post: DeviceAuth,
    session: SessionDep,
    signer: SignerDep,
    door: str | None = Query(None, max_length=64, description="Own door only."),
) -> Response:
    """The rights the calling reader needs offline, signed with the ledger's key."""
    signed = snapshot.signed_snapshot(session, post=post, door=door, signer=signer)
    # The exact canonical bytes: what the reader re-encodes to check the signature.
    return Response(canonical(signed), media_type="application/json")
