"""The one signature shape vigie's readers send, read without the general parser.

Every reader signs the same way (badge_readers/signing.py, the http-message-signatures
library): one signature labelled `sig1` over ("@method" "@path" "content-digest"), with
`created`, `keyid` and `alg="ed25519"` in that order, and a SHA-256 Content-Digest. The
library's verifier parses those Structured Fields in general, and with them the covered
components six times: 190 of the 255 us a verification cost, Ed25519 itself 65 (measured,
1 in 7 of the server's CPU per single post). A request whose signature headers match
that shape byte for byte is read here with three regular expressions; it gets the same
signature base, the same Ed25519 check and the same digest check. Anything else (another
label, order, algorithm, covered set, spacing, a second field line, an unusual path or
host) returns None and goes to the library, which stays the reference:
tests/physical/test_canonical_signature.py holds both to the same verdict on valid
requests and thousands of altered ones.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from starlette.datastructures import Headers

_INPUT = re.compile(
    r'sig1=\("@method" "@path" "content-digest"\)'
    r';created=([1-9][0-9]{0,14});keyid="([A-Za-z0-9._:-]{1,128})";alg="ed25519"'
)
_SIGNATURE = re.compile(r"sig1=:([A-Za-z0-9+/]{86}==):")  # 64 bytes
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/]{43}=):")  # 32 bytes
_PATH = re.compile(r"/[A-Za-z0-9/._~-]{0,2000}")  # nothing to decode or normalise
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?")
_METHOD = re.compile(r"[A-Z]{1,16}")


@dataclass(frozen=True)
class CanonicalSignature:
    """What the signature headers say, and the signature base they sign."""

    keyid: str
    created: int
    signature: bytes
    digest: bytes  # the SHA-256 the Content-Digest claims for the body
    base: bytes


def read(method: str, raw_path: bytes, query: bytes, headers: Headers) -> CanonicalSignature | None:
    """The request's signature if it has the readers' shape exactly, else None."""
    if query or not _METHOD.fullmatch(method):
        return None
    fields = _single_lines(headers, ("signature-input", "signature", "content-digest", "host"))
    if fields is None:
        return None
    signature_input, signature, content_digest, host = fields
    path = raw_path.decode("latin-1")
    given = _INPUT.fullmatch(signature_input)
    sealed = _SIGNATURE.fullmatch(signature)
    claimed = _DIGEST.fullmatch(content_digest)
    if not (given and sealed and claimed and _PATH.fullmatch(path) and _HOST.fullmatch(host)):
        return None
    try:
        signature_bytes = base64.b64decode(sealed[1], validate=True)
        digest = base64.b64decode(claimed[1], validate=True)
    except binascii.Error:  # pragma: no cover - the expressions admit only valid base64
        return None
    base = (
        f'"@method": {method}\n"@path": {path}\n"content-digest": {content_digest}\n'
        f'"@signature-params": {signature_input.removeprefix("sig1=")}'
    )
    return CanonicalSignature(
        keyid=given[2],
        created=int(given[1]),
        signature=signature_bytes,
        digest=digest,
        base=base.encode("ascii"),
    )


def _single_lines(headers: Headers, names: tuple[str, ...]) -> list[str] | None:
    """Each named field's value when it comes as exactly one field line, else None."""
    values = []
    for name in names:
        lines = headers.getlist(name)
        if len(lines) != 1:
            return None
        values.append(lines[0])
    return values
