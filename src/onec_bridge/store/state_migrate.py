"""Bridge-state tables kept at the newest alembic revision, applied from code (no alembic.ini).

The revisions live in ``store/migrations/versions/``; their version table sits
beside the state tables under the same prefix (``onec_bridge_alembic_version``).
A database created before alembic managed the state (tables present, version
table missing) is stamped at the baseline revision first, then upgraded.

>>> # upgrade_state(connection, "onec_bridge_")   # what Database.create_schema() does
"""

from __future__ import annotations

import ast
import functools
import re
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
_REVISION_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.M)


def upgrade_state(
    connection: Connection, prefix: str = DEFAULT_PREFIX, revision: str = "head"
) -> None:
    """Bring the bridge-state tables to ``revision`` (the head unless a test wants an older
    layout); a no-op when they are there, found by one read of the version table (alembic
    is set up only when there is something to do)."""
    target = head_revision() if revision == "head" else revision
    if _stored_revision(connection, prefix) == target:
        return
    config = _config(connection, prefix)
    if _created_before_alembic(connection, prefix):
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, target)


def current_revision(connection: Connection, prefix: str = DEFAULT_PREFIX) -> str | None:
    migration = MigrationContext.configure(
        connection, opts={"version_table": f"{prefix}alembic_version"}
    )
    return migration.get_current_revision()


@functools.cache
def head_revision() -> str:
    """The newest revision: read from the revision scripts' ``revision``/``down_revision``
    lines (loading them through alembic costs more than the rest of a no-op start), with
    alembic's own answer when they are not a plain chain."""
    head = _chain_head()
    if head is None:
        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def _chain_head() -> str | None:
    """The one revision no script names as its ``down_revision``; None when a script does
    not declare both as plain literals, or the scripts do not form one line of history."""
    parents: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        declared = dict(_REVISION_ASSIGNMENT.findall(script.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(declared["revision"])
            down = ast.literal_eval(declared["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
            return None
        parents[revision] = down
    heads = set(parents) - set(parents.values())
    roots = [revision for revision, down in parents.items() if down is None]
    return heads.pop() if len(heads) == 1 and len(roots) == 1 else None


def _stored_revision(connection: Connection, prefix: str) -> str | None:
    """The revision in the version table; None without the table or with several heads."""
    name = f"{prefix}alembic_version"
    if not connection.dialect.has_table(connection, name):
        return None
    table = connection.dialect.identifier_preparer.quote(name)
    revisions = connection.execute(sa.text(f"SELECT version_num FROM {table}")).scalars().all()
    return str(revisions[0]) if len(revisions) == 1 else None


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
