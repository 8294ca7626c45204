"""At most `batch_writers` batches stored at once per worker process; the others wait.

Every batch ends under the ledger head lock, held until commit, which all writers queue
for: the log takes one batch at a time whatever the number of requests. A second batch
running beside the holder in the same process only takes CPU (and the GIL) from it and
stretches the lock's hold. Measured with bench/ingest.py on the 2-core machine, 2 server
processes, the client posting 4 batches at once: 14,272 and 14,918 events/s ungated,
16,249 to 18,602 gated, the rest of the code unchanged (README, "Reader ingest",
Measured). Waiting batches hold no thread, no database connection and no reader lock:
the gate is the route's first dependency.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request


def gate_of(app: Any) -> asyncio.Semaphore:
    """The worker's gate, made on first use (one per process, on its event loop)."""
    gate: asyncio.Semaphore | None = getattr(app.state, "batch_gate", None)
    if gate is None:
        gate = app.state.batch_gate = asyncio.Semaphore(app.state.settings.batch_writers)
    return gate


async def batch_turn(request: Request) -> AsyncIterator[None]:
    """Wait for the worker's turn to store a batch; hold it until the batch is committed."""
    async with gate_of(request.app):
        yield
