"""`vigie serve` with several worker processes: each listens on its own socket.

uvicorn's own multi-worker mode binds one socket in the parent and shares it: every idle
worker waits on the same accept queue and Linux wakes the one that waited last, so new
connections pile onto one worker. Measured: 16 connections opened one after the other
(50 ms apart) all landed on the same one of 2 workers, 5 times out of 5; opened at once,
13 and 3. Readers keep their connection open, so one worker served 82% of the single posts
while the other idled (bench/ingest.py). Here, on Linux, each worker binds its own
listening socket to the address with SO_REUSEPORT, and the kernel spreads connections
over the workers' queues by a hash of their addresses; a worker the supervisor restarts
binds its own again. Elsewhere (no SO_REUSEPORT balancing), uvicorn's shared socket.

The supervision (start, health checks, restarts, signals) stays uvicorn's Multiprocess:
only the class of its workers is ours, set on uvicorn's module while this command runs
(the supervisor names it there; the workers it spawns get it by pickling).
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

log = logging.getLogger("uvicorn.error")


def balanced() -> bool:
    """Whether this system spreads connections over SO_REUSEPORT listeners (Linux)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def run(config: uvicorn.Config) -> None:
    """Serve with `config.workers` processes, each on its own listening socket."""
    _listener(config).close()  # the address is free and ours to share: fail here if not
    log.info(
        "Uvicorn running on http://%s:%d with %d workers, one listening socket each",
        config.host,
        config.port,
        config.workers,
    )
    multiprocess.Process = _Worker  # type: ignore[misc]
    multiprocess.Multiprocess(config, sockets=[]).run()


def _listener(config: uvicorn.Config) -> socket.socket:
    """A socket bound to the configured address, in the address's SO_REUSEPORT group."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((config.host, config.port))
    except OSError:
        sock.close()
        raise
    return sock


class _OwnSocketServer(uvicorn.Server):
    """A worker's server: listens on a socket of its own rather than the parent's."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[_listener(self.config)])


class _Worker(multiprocess.Process):
    """uvicorn's worker process, running _OwnSocketServer."""

    @property
    def server(self) -> Any:
        if self._server is None:
            self._server = _OwnSocketServer(config=self.config)
        return self._server
