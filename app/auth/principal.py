"""Who is calling: roles and the identity snapshot stored with every fact they cause."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """The roles of vigie; every endpoint names those it admits."""

    admin = "admin"
    security = "security"
    auditor = "auditor"
    tenant_auditor = "tenant_auditor"
    device = "device"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    kind: str  # "admin_token", "user", "oidc", "device" or "system"
    subject: str
    role: Role
    tenant_id: int | None = None

    def snapshot(self) -> dict[str, Any]:
        """What a fact keeps of its actor, so that removing the account erases nothing."""
        snap: dict[str, Any] = {"kind": self.kind, "subject": self.subject, "role": self.role}
        if self.tenant_id is not None:
            snap["tenant_id"] = self.tenant_id
        return snap


SYSTEM = Principal(kind="system", subject="vigie", role=Role.admin)
