"""Imports every area's tables so that Alembic and the drift test see the whole schema."""

from __future__ import annotations

from app.alerts import models as alert_models
from app.audit import models as audit_models
from app.auth import models as auth_models
from app.ledger import models as ledger_models
from app.orm import Base
from app.physical import models as physical_models
from app.physical import seen_at_door as seen_at_door_models
from app.presence import models as presence_models
from app.topology import models as topology_models

metadata = Base.metadata

__all__ = [
    "audit_models",
    "alert_models",
    "auth_models",
    "ledger_models",
    "metadata",
    "physical_models",
    "presence_models",
    "seen_at_door_models",
    "topology_models",
]
