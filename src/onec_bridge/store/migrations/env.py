"""Alembic environment: runs on the connection handed over by ``state_migrate.upgrade_state``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from onec_bridge.store.state_migrate import CONNECTION_KEY, version_table

config = context.config
connection = config.attributes.get(CONNECTION_KEY)
if not isinstance(connection, Connection):
    raise RuntimeError(
        "the bridge-state migrations run only through onec_bridge.store.state_migrate."
        "upgrade_state(connection, prefix) (Database.create_schema calls it); "
        "offline SQL generation is not supported"
    )
context.configure(connection=connection, version_table=version_table())
with context.begin_transaction():
    context.run_migrations()
