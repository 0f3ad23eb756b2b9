"""Bridge-state tables are created and upgraded by alembic, equal to the SQLAlchemy model."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from onec_bridge.store.state import state_tables
from onec_bridge.store.state_migrate import current_revision, head_revision, upgrade_state

PREFIX = "onec_bridge_"


def _state_metadata(prefix: str = PREFIX) -> sa.MetaData:
    metadata = sa.MetaData()
    state_tables(metadata, prefix)
    return metadata


def _diff(engine: sa.Engine, metadata: sa.MetaData) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: (
                    kind != "table" or name in metadata.tables
                ),
            },
        )
        return list(compare_metadata(context, metadata))


def test_fresh_database_reaches_head_and_matches_the_model(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)
    with engine.connect() as conn:
        assert current_revision(conn, PREFIX) == head_revision()
    names = set(sa.inspect(engine).get_table_names())
    assert f"{PREFIX}alembic_version" in names
    assert _diff(engine, _state_metadata()) == []
    engine.dispose()


def test_second_upgrade_is_a_no_op(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO {PREFIX}checkpoints (entity, run_id, updated_at) "
                "VALUES ('units', 1, CURRENT_TIMESTAMP)"
            )
        )
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)
        count = conn.execute(sa.text(f"SELECT count(*) FROM {PREFIX}checkpoints")).scalar()
        versions = conn.execute(sa.text(f"SELECT version_num FROM {PREFIX}alembic_version"))
        assert [row[0] for row in versions] == [head_revision()]
    assert count == 1
    engine.dispose()


def test_custom_prefix_keeps_its_own_version_table(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        upgrade_state(conn, "acme_sync_")
    names = set(sa.inspect(engine).get_table_names())
    assert {"acme_sync_alembic_version", "acme_sync_runs", "acme_sync_locks"} <= names
    assert not any(name.startswith(PREFIX) for name in names)
    assert _diff(engine, _state_metadata("acme_sync_")) == []
    engine.dispose()


def test_state_created_before_alembic_is_adopted_and_upgraded(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    old = _state_metadata()
    baseline = [
        table for name, table in old.tables.items() if not name.endswith(("locks", "listed_keys"))
    ]
    old.create_all(engine, tables=baseline)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO {PREFIX}row_versions (entity, row_key, deleted, seen_run) "
                "VALUES ('units', 'k', false, 1)"
            )
        )
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)
    with engine.connect() as conn:
        assert current_revision(conn, PREFIX) == head_revision()
        kept = conn.execute(sa.text(f"SELECT count(*) FROM {PREFIX}row_versions")).scalar()
    assert kept == 1
    assert _diff(engine, _state_metadata()) == []
    engine.dispose()
