"""Check a proof document (as the API answers it) offline, with only the public key."""

from __future__ import annotations

from pydantic import TypeAdapter

from app.ledger import merkle
from app.ledger.merkle import ProofError
from app.ledger.note import Verifier, open_checkpoint
from app.ledger.schemas import ConsistencyProofDoc, InclusionProofDoc, ProofDoc
from app.ledger.verify import claimed_index

_documents: TypeAdapter[InclusionProofDoc | ConsistencyProofDoc] = TypeAdapter(ProofDoc)


def parse(data: bytes) -> InclusionProofDoc | ConsistencyProofDoc:
    """Read a proof document; pydantic.ValidationError when malformed."""
    return _documents.validate_json(data)


def _signed_root(note: str | None, size: int, verifier: Verifier) -> bytes:
    if note is None:
        raise ProofError(f"the document has no signed checkpoint for size {size}")
    checkpoint = open_checkpoint(note, verifier)
    if checkpoint.size != size:
        raise ProofError(f"the checkpoint is of size {checkpoint.size}, not {size}")
    return checkpoint.root_hash


def check(doc: InclusionProofDoc | ConsistencyProofDoc, verifier: Verifier) -> str:
    """What the proof establishes; ProofError or NoteError when it does not hold."""
    if isinstance(doc, InclusionProofDoc):
        root_hash = _signed_root(doc.checkpoint, doc.tree_size, verifier)
        if root_hash != doc.root_hash:
            raise ProofError("the root hash is not the one the checkpoint signs")
        if doc.entry is not None:
            if merkle.leaf_hash(doc.entry) != doc.leaf_hash:
                raise ProofError("the entry's bytes do not hash to the leaf hash")
            if claimed_index(doc.entry) != doc.index:
                raise ProofError(f"the entry's bytes do not name index {doc.index}")
        merkle.verify_inclusion(doc.index, doc.tree_size, doc.leaf_hash, doc.proof, root_hash)
        return f"fact {doc.index} is in the tree of {doc.tree_size} facts signed by {verifier.name}"
    first_root = _signed_root(doc.first_checkpoint, doc.first, verifier)
    second_root = _signed_root(doc.second_checkpoint, doc.second, verifier)
    if (first_root, second_root) != (doc.first_root, doc.second_root):
        raise ProofError("the roots are not the ones the checkpoints sign")
    merkle.verify_consistency(doc.first, doc.second, first_root, second_root, doc.proof)
    return (
        f"the tree of {doc.first} facts is a prefix of the tree of {doc.second} facts, "
        f"both signed by {verifier.name}"
    )
