"""Migrations own the schema: they build it on both backends and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from app import migrations_state
from app.db import make_engine
from app.model_registry import metadata
from tests.databases import scratch_database


# SQLite cannot reflect expression indexes: Alembic says it leaves those of the models
# (PostgreSQL-only ones, e.g. presence's GiST index) out of the comparison there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_database_is_at_head(engine: Engine) -> None:
    with engine.connect() as conn:
        assert migrations_state.current(conn) == migrations_state.heads()


def test_downgrade_to_base_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrations_state.upgrade(engine)
            config = migrations_state.alembic_config()
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.downgrade(config, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            migrations_state.upgrade(engine)
            assert "ledger_entry" in inspect(engine).get_table_names()
        finally:
            engine.dispose()


# What the migrations' triggers guard: SQLite rebuilds a table to alter it (batch mode)
# and drops its triggers with it; a later migration must make them again.
LEDGER_TABLES = ("ledger_entry", "ledger_node", "ledger_checkpoint")
TRIGGERS = {
    "postgresql": {
        **{t: {f"{t}_append_only", f"{t}_no_truncate"} for t in LEDGER_TABLES},
        "physical_event": {"physical_event_person_seen"},
    },
    "sqlite": {  # one trigger per refused statement; SQLite has no TRUNCATE
        **{t: {f"{t}_no_update", f"{t}_no_delete"} for t in LEDGER_TABLES},
        "physical_event": {"physical_event_person_seen"},
    },
}
LIST_TRIGGERS = {
    "postgresql": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    "sqlite": "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'",
}


def test_every_trigger_is_there_at_head(engine: Engine) -> None:
    with engine.connect() as conn:
        found: dict[str, set[str]] = {}
        for table, name in conn.exec_driver_sql(LIST_TRIGGERS[engine.dialect.name]):
            found.setdefault(table, set()).add(name)
    assert found == TRIGGERS[engine.dialect.name]
