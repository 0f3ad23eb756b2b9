"""Alembic environment of the bridge-state tables; applied by ``state_migrate.upgrade_state``."""
