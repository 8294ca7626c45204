"""Signing writes exactly the headers of the reader ingest contract."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from badge_readers.signing import RequestSigner, load_private_key
from tests.badge_readers.factories import write_key


def test_headers_follow_the_contract(tmp_path: Path) -> None:
    write_key(tmp_path / "rd.pem")
    key = load_private_key(tmp_path / "rd.pem")
    body = b'{"kind":"heartbeat","seq":1}'
    request = httpx.Request("POST", "http://vigie.test/api/v1/ingest/event", content=body)
    RequestSigner("RD-ENT-IN", key).sign(request, body)
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert request.headers["Content-Digest"] == f"sha-256=:{digest}:"
    signature_input = request.headers["Signature-Input"]
    pattern = (
        r'sig1=\("@method" "@path" "content-digest"\);created=(\d+);keyid="RD-ENT-IN";alg="ed25519"'
    )
    created = re.fullmatch(pattern, signature_input)
    assert created is not None, signature_input
    assert abs(int(created.group(1)) - time.time()) < 5
    assert re.fullmatch(r"sig1=:[A-Za-z0-9+/]{86}==:", request.headers["Signature"])


def test_only_ed25519_pkcs8_keys_are_loaded(tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        load_private_key(path)
