"""Bridge-state tables kept at the newest alembic revision, applied from code (no alembic.ini).

The revisions live in ``store/migrations/versions/``; their version table sits
beside the state tables under the same prefix (``onec_bridge_alembic_version``).
A database created before alembic managed the state (tables present, version
table missing) is stamped at the baseline revision first, then upgraded.

>>> # upgrade_state(connection, "onec_bridge_")   # what Database.create_schema() does
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

__all__ = [
    "current_revision",
    "head_revision",
    "state_prefix",
    "upgrade_state",
    "version_table",
]

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_PREFIX = "onec_bridge_"
CONNECTION_KEY = "onec_bridge.connection"
PREFIX_KEY = "onec_bridge.state_prefix"
BASELINE_REVISION = "0001"
_BASELINE_TABLES = ("runs", "checkpoints", "row_versions", "dead_letters")


def upgrade_state(
    connection: Connection, prefix: str = DEFAULT_PREFIX, revision: str = "head"
) -> None:
    """Bring the bridge-state tables to ``revision`` (the head unless a test wants an older
    layout); a no-op when they are there."""
    config = _config(connection, prefix)
    target = head_revision() if revision == "head" else revision
    if current_revision(connection, prefix) == target:
        return
    if _created_before_alembic(connection, prefix):
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, target)


def current_revision(connection: Connection, prefix: str = DEFAULT_PREFIX) -> str | None:
    migration = MigrationContext.configure(
        connection, opts={"version_table": f"{prefix}alembic_version"}
    )
    return migration.get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def state_prefix() -> str:
    """The state-table prefix of the running migration (revision scripts call this)."""
    return str(context.config.attributes.get(PREFIX_KEY, DEFAULT_PREFIX))


def version_table() -> str:
    return f"{state_prefix()}alembic_version"


def _config(connection: Connection, prefix: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes[CONNECTION_KEY] = connection
    config.attributes[PREFIX_KEY] = prefix
    return config


def _created_before_alembic(connection: Connection, prefix: str) -> bool:
    names = set(sa.inspect(connection).get_table_names())
    if f"{prefix}alembic_version" in names:
        return False
    return all(f"{prefix}{table}" in names for table in _BASELINE_TABLES)
