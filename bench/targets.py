"""Throw-away destinations: a fresh SQLite file or a fresh PostgreSQL schema per peer."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

__all__ = ["PG_URL", "Targets"]

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Targets:
    """``url(kind, label)`` gives a SQLAlchemy URL of an empty database for one peer."""

    pg_url: str = PG_URL
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="onec-bench-")))
    _schemas: list[str] = field(default_factory=list)

    def url(self, kind: str, label: str) -> str:
        if kind == "sqlite":
            path = self.directory / f"{label}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        schema = f"onec_bench_{label}"
        engine = sa.create_engine(self.pg_url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine.dispose()
        self._schemas.append(schema)
        return f"{self.pg_url}?options={quote(f'-csearch_path={schema}')}"

    def drop_all(self) -> None:
        if not self._schemas:
            return
        engine = sa.create_engine(self.pg_url)
        with engine.begin() as conn:
            for schema in self._schemas:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
        self._schemas.clear()
