"""The test site most presence tests run on."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.presence.factories import TestSite, build_site


@pytest.fixture
def site(session: Session) -> TestSite:
    """Entrance, airlock, hall and rack, with their readers."""
    return build_site(session)
