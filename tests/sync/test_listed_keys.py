"""Delete detection by listed-key digests: what a complete listing did not list is gone."""

from __future__ import annotations

import sqlalchemy as sa

from onec_bridge.store.state import state_tables
from onec_bridge.sync.listed_keys import ListedKeys, digest_keys


def _setup(stored: list[str]) -> tuple[sa.Engine, ListedKeys]:
    engine = sa.create_engine("sqlite://")
    tables = state_tables(sa.MetaData())
    tables.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            tables.row_versions.insert(),
            [{"entity": "e", "row_key": key, "deleted": False} for key in stored],
        )
        conn.execute(  # another entity's keys never count
            tables.row_versions.insert().values(entity="other", row_key="z")
        )
    return engine, ListedKeys(tables, "e")


def test_every_stored_key_listed_means_no_deletes() -> None:
    engine, listed = _setup(["a", "b", "c"])
    with engine.begin() as conn:
        listed.record(conn, 7, digest_keys(["a", "b"]))
        listed.record(conn, 7, digest_keys(["c", "a"]))  # a key listed twice (Code edited)
        assert listed.unlisted(conn, 7) == []


def test_unlisted_keys_are_found_across_batches_of_one_run_only() -> None:
    engine, listed = _setup(["a", "b", "c", "d"])
    with engine.begin() as conn:
        listed.record(conn, 6, digest_keys(["c"]))  # an abandoned run's batch
        listed.record(conn, 7, digest_keys(["a"]))
        listed.record(conn, 7, digest_keys(["a", "d"]))
        assert sorted(listed.unlisted(conn, 7)) == ["b", "c"]
        listed.clear(conn)
        assert listed.unlisted(conn, 7) == ["a", "b", "c", "d"]


def test_a_first_load_finds_no_deletes() -> None:
    engine, listed = _setup(["a", "b"])
    with engine.begin() as conn:
        listed.mark_first_load(conn, 3)
        listed.record(conn, 3, digest_keys(["a"]))  # its resumed part records digests
        assert listed.unlisted(conn, 3) == []
