"""A tiny real ingest server on 127.0.0.1 for the client's transport tests.

It checks every request's Content-Digest and RFC 9421 signature with the same library the
devices use, stores events by (reader, seq) as the contract says (duplicate or 409), and
can be told to misbehave first: answer a status, store and then fail, or stall.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)

COVERED = ("@method", "@path", "content-digest")


@dataclass
class Received:
    """What the server saw of one request."""

    path: str
    reader: str
    seqs: list[int]
    created: int


@dataclass
class _Message:
    method: str
    url: str
    headers: Any


@dataclass
class FakeIngest:
    """Start with `start()`, stop with `stop()`; `script` holds misbehaviours to play first."""

    public_keys: dict[str, Ed25519PublicKey]
    port: int = 0
    script: list[int | str] = field(default_factory=list)
    stored: dict[tuple[str, int], Any] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    stall_s: float = 1.0

    def start(self) -> FakeIngest:
        """Serve in a background thread."""
        verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.ED25519,
            key_resolver=MappingKeyResolver(public_keys=self.public_keys, private_keys={}),
        )
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                message = _Message("POST", f"http://127.0.0.1:{fake.port}{self.path}", self.headers)
                try:
                    (result,) = verifier.verify(
                        message, body=body, require_components=COVERED, max_age=timedelta(minutes=5)
                    )
                except InvalidSignature as exc:
                    return self._answer(401, {"detail": str(exc), "code": "bad_signature"})
                status, answer = fake.handle(
                    self.path,
                    str(result.parameters["keyid"]),
                    int(result.parameters["created"]),
                    body,
                )
                if status == 0:
                    time.sleep(fake.stall_s)
                    status, answer = 503, {"detail": "stalled", "code": "unavailable"}
                self._answer(status, answer)

            def _answer(self, status: int, answer: dict[str, Any]) -> None:
                payload = orjson.dumps(answer)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def url(self) -> str:
        """The base URL clients should use."""
        return f"http://127.0.0.1:{self.port}"

    def handle(self, path: str, reader: str, created: int, body: bytes) -> tuple[int, Any]:
        """Answer one verified request; status 0 means: stall, then fail."""
        parsed = orjson.loads(body)
        events = [parsed] if path.endswith("/event") else parsed["events"]
        self.received.append(Received(path, reader, [e["seq"] for e in events], created))
        step = self.script.pop(0) if self.script else None
        if step == "stall":
            return 0, None
        if step == "stale":
            return 401, {"detail": "signature is stale", "code": "stale_signature"}
        if step == "unnamed":
            return 200, {"accepted": 0, "duplicates": 0, "results": []}
        if isinstance(step, int):
            return step, {"detail": f"scripted {step}", "code": "scripted"}
        for event in events:
            original = self.stored.get((reader, event["seq"]))
            if original is not None and original != event:
                return 409, {
                    "detail": f"seq {event['seq']} stored with other content",
                    "code": "conflict",
                }
        results = []
        for event in events:
            status = "duplicate" if (reader, event["seq"]) in self.stored else "accepted"
            self.stored[(reader, event["seq"])] = event
            results.append({"seq": event["seq"], "status": status, "index": len(self.stored)})
        if step == "store_then_fail":
            return 500, {"detail": "stored, then lost the answer", "code": "scripted"}
        if path.endswith("/event"):
            return (201 if results[0]["status"] == "accepted" else 200), results[0]
        accepted = sum(r["status"] == "accepted" for r in results)
        return 200, {
            "accepted": accepted,
            "duplicates": len(results) - accepted,
            "results": results,
        }
