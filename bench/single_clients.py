"""The single-post clients of bench/ingest.py: one process per reader, closed loop.

Not a benchmark on its own (running it prints nothing). Each client posts one swipe at a
time, waits for the answer, posts the next, for a fixed time, and reports its latencies
(send to answer) and the CPU it spent while the clock ran.

Signing: every request is built and signed as the reader client does (httpx.Request,
badge_readers' RequestSigner, the http-message-signatures library), and the server
verifies every signature in full. With sign="ahead" (the default) each client signs its
requests before the timed part: readers sign on their own hardware, while here the 16
clients share the server's 2 cores, and the library's signing costs 0.3 ms of CPU per
request (measured), taken from the server under test. The requests are then at most
`seconds` + the signing time old, far inside the server's 300 s window and its 30 s skew
tolerance. With sign="live" each request is signed just before it is sent. A client that
runs out of signed requests signs the rest live and says how many.
"""

from __future__ import annotations

import http.client as http_client
import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from threading import Barrier

import httpx

from badge_readers.signing import RequestSigner, load_private_key

AHEAD_PER_S = 200  # requests signed ahead per client and second of the run (3,200/s in all)


@dataclass(frozen=True)
class Job:
    """What one client process is told: where, as which reader, how long, how."""

    base: str
    reader: str
    key_path: str
    first_seq: int
    seconds: float
    start: Barrier  # every client and the parent: the clock starts when all are ready
    sign: str = "ahead"  # or "live"
    transport: str = "stdlib"  # or "httpx": the reader client's own transport
    nice: int = 0


@dataclass(frozen=True)
class Result:
    latencies: list[float]  # seconds, one per request
    cpu_s: float  # CPU the client spent while the clock ran
    signed_live: int  # requests signed inside the timed part


def run(job: Job) -> Result:
    """One client: sign ahead if asked, wait for the others, then post until time is up."""
    os.nice(job.nice)
    signer = RequestSigner(job.reader, load_private_key(Path(job.key_path)))
    url = f"{job.base}/api/v1/ingest/event"
    host, port = job.base.removeprefix("http://").split(":")
    with httpx.Client(timeout=30) as http:

        def signed(seq: int) -> tuple[httpx.Request, bytes]:
            body = json.dumps(
                {
                    "kind": "swipe",
                    "seq": seq,
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "badge_uid": "BENCH-SINGLE",
                    "result": "denied",
                    "reason": "unknown_badge",
                }
            ).encode()
            request = http.build_request(
                "POST", url, content=body, headers={"Content-Type": "application/json"}
            )
            signer.sign(request, body)
            return request, body

        ahead = int(job.seconds * AHEAD_PER_S) if job.sign == "ahead" else 0
        ready = [signed(job.first_seq + n) for n in range(ahead)]
        # The stdlib transport sends the same bytes for 0.15 ms of CPU where httpx's own
        # spends about 1 ms (measured).
        link = http_client.HTTPConnection(host, int(port), timeout=30)
        job.start.wait()
        cpu = time.process_time()
        latencies: list[float] = []
        live = 0
        deadline = time.monotonic() + job.seconds
        while time.monotonic() < deadline:
            count = len(latencies)
            if count < len(ready):
                request, body = ready[count]
            else:
                request, body = signed(job.first_seq + count)
                live += 1
            started = time.perf_counter()
            if job.transport == "httpx":
                response = http.send(request)
                status, text = response.status_code, response.text
            else:
                link.request("POST", request.url.raw_path.decode(), body, dict(request.headers))
                answer = link.getresponse()
                status, text = answer.status, answer.read().decode()
            latencies.append(time.perf_counter() - started)
            if status != 201:
                raise RuntimeError(f"{job.reader}: {status} {text}")
        link.close()
        return Result(latencies=latencies, cpu_s=time.process_time() - cpu, signed_live=live)
