"""Ledger API: checkpoints, inclusion and consistency proofs, entries, the public key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from app.audit.deps import viewing
from app.audit.service import Viewer
from app.auth.policy import AdminOnly, allow
from app.auth.principal import Role
from app.deps import ReadSessionDep, SessionDep
from app.ledger import checkpoints, proofs, reads
from app.ledger.note import Signer
from app.ledger.schemas import (
    MAX_SIZE,
    CheckpointOut,
    ConsistencyProofDoc,
    EntriesOut,
    InclusionProofDoc,
    PublicKeyOut,
    parse_hash,
)

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])
STAFF = (Role.admin, Role.security, Role.auditor)
# Checkpoints, consistency proofs and the key show hashes only: not recorded.
READERS = [allow(*STAFF)]
# Entries and inclusion proofs show the facts themselves: recorded reads of evidence.
FactReader = Annotated[Viewer, viewing(*STAFF)]
SizeQuery = Annotated[int | None, Query(ge=0, le=MAX_SIZE, description="Tree size.")]


def get_signer(request: Request) -> Signer:
    """The checkpoint signer made at startup."""
    signer: Signer = request.app.state.ledger_signer
    return signer


SignerDep = Annotated[Signer, Depends(get_signer)]


@router.get("/checkpoints/latest", dependencies=READERS)
def latest_checkpoint(session: ReadSessionDep) -> CheckpointOut:
    """The checkpoint of the largest tree signed so far."""
    return CheckpointOut.model_validate(checkpoints.latest(session))


@router.get("/checkpoints/{size}", dependencies=READERS)
def checkpoint_at(
    session: ReadSessionDep, size: Annotated[int, Path(ge=0, le=MAX_SIZE)]
) -> CheckpointOut:
    """The checkpoint of the tree of `size` facts."""
    return CheckpointOut.model_validate(checkpoints.at_size(session, size))


@router.post("/checkpoints", status_code=status.HTTP_201_CREATED)
def create_checkpoint(
    session: SessionDep, signer: SignerDep, _principal: AdminOnly, response: Response
) -> CheckpointOut:
    """Sign the tree now (200 with the existing checkpoint when the log has not grown)."""
    row, created = checkpoints.create(session, signer=signer)
    if not created:
        response.status_code = status.HTTP_200_OK
    return CheckpointOut.model_validate(row)


@router.get("/proofs/inclusion")
def inclusion_proof(
    session: SessionDep,
    viewer: FactReader,
    index: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
    leaf_hash: Annotated[str | None, Query(max_length=88, description="Hex or base64.")] = None,
    size: SizeQuery = None,
) -> InclusionProofDoc:
    """Proof that a fact is in the tree of `size` facts (default: the latest checkpoint)."""
    digest = None if leaf_hash is None else parse_hash(leaf_hash)
    return reads.inclusion(session, index=index, leaf_hash=digest, size=size, viewer=viewer)


@router.get("/proofs/consistency", dependencies=READERS)
def consistency_proof(
    session: ReadSessionDep,
    first: Annotated[int, Query(ge=0, le=MAX_SIZE)],
    second: SizeQuery = None,
) -> ConsistencyProofDoc:
    """Proof that the tree of `first` facts is a prefix of the tree of `second` facts."""
    found = proofs.consistency(session, first=first, second=second)
    return ConsistencyProofDoc.model_validate(found)


@router.get("/entries")
def list_entries(
    session: SessionDep,
    viewer: FactReader,
    start: Annotated[int, Query(ge=0, le=MAX_SIZE)],
    end: Annotated[int, Query(ge=0, le=MAX_SIZE)],
) -> EntriesOut:
    """Facts [start, end) with their canonical bytes and leaf hashes (at most 1000)."""
    return reads.entries(session, start=start, end=end, viewer=viewer)


@router.get("/public-key", dependencies=READERS)
def public_key(signer: SignerDep) -> PublicKeyOut:
    """The key that signs checkpoints, for `vigie verify-proof --public-key`."""
    verifier = signer.verifier
    return PublicKeyOut(
        origin=verifier.name,
        verifier_key=verifier.text(),
        public_key=verifier.public_key,
        key_id=verifier.key_id.hex(),
    )
