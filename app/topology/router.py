"""Topology registry API (filled in by the topology area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/topology", tags=["topology"])
