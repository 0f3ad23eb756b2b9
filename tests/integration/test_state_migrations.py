"""Bridge-state tables are created and upgraded by alembic, equal to the SQLAlchemy model."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from onec_bridge.store import state_migrate
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
    with engine.begin() as conn:  # the baseline layout, as the bridge made it before alembic
        upgrade_state(conn, PREFIX, revision="0001")
        conn.execute(sa.text(f"DROP TABLE {PREFIX}alembic_version"))
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


LONG_KEY = '["' + "Склад основной, секция " * 12 + '", "2024-03-05T14:07:09"]'


def test_upgrade_from_0003_keeps_the_data_and_covers_the_lookup(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX, revision="0003")
        conn.execute(
            sa.text(
                f"INSERT INTO {PREFIX}row_versions (entity, row_key, version, deleted, seen_run) "
                "VALUES ('units', 'k1', 'AAA=', false, 3), ('units', 'k2', NULL, true, 4), "
                "('prices', 'k1', 'b3', false, 4)"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {PREFIX}dead_letters "
                "(run_id, entity, row_key, reason, payload, created_at) "
                "VALUES (4, 'units', 'k3', 'bad', '{}', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {PREFIX}listed_keys (entity, run_id, digests) VALUES ('units', 4, :d)"
            ),
            {"d": b"12345678"},
        )
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)
    with engine.begin() as conn:
        assert current_revision(conn, PREFIX) == head_revision()
        versions = conn.execute(
            sa.text(
                f"SELECT entity, row_key, version, deleted FROM {PREFIX}row_versions "
                "ORDER BY entity, row_key"
            )
        ).all()
        assert [(e, k, v, bool(d)) for e, k, v, d in versions] == [
            ("prices", "k1", "b3", False),
            ("units", "k1", "AAA=", False),
            ("units", "k2", None, True),
        ]
        dead = conn.execute(sa.text(f"SELECT row_key FROM {PREFIX}dead_letters")).scalar()
        digests = conn.execute(sa.text(f"SELECT digests FROM {PREFIX}listed_keys")).scalar_one()
        assert (dead, bytes(digests)) == ("k3", b"12345678")
        # a key longer than the old String(200) fits now (PostgreSQL refused it before)
        conn.execute(
            sa.text(
                f"INSERT INTO {PREFIX}row_versions (entity, row_key, version, deleted) "
                "VALUES ('units', :key, 'v', false)"
            ),
            {"key": LONG_KEY},
        )
        columns = {c["name"] for c in sa.inspect(conn).get_columns(f"{PREFIX}row_versions")}
        assert columns == {"entity", "row_key", "version", "deleted"}
        assert _covering_lookup(conn)
    assert _diff(engine, _state_metadata()) == []
    engine.dispose()


def _covering_lookup(conn: sa.Connection) -> bool:
    """The row-version table answers (entity, row_key) -> (version, deleted) from one b-tree."""
    table = f"{PREFIX}row_versions"
    if conn.dialect.name == "sqlite":
        sql = sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t")
        return "WITHOUT ROWID" in str(conn.execute(sql, {"t": table}).scalar())
    sql = sa.text(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t"
    )
    definitions = [str(row[0]) for row in conn.execute(sql, {"t": table})]
    assert len(definitions) == 1, definitions
    return definitions[0].endswith("USING btree (entity, row_key) INCLUDE (version, deleted)")


def test_head_read_from_the_scripts_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory(str(state_migrate.MIGRATIONS)).get_current_head()


def test_state_at_head_is_left_alone_without_setting_up_alembic(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("alembic was set up for a state already at head")

    monkeypatch.setattr(state_migrate, "_config", refuse)
    with engine.begin() as conn:
        upgrade_state(conn, PREFIX)
    engine.dispose()
