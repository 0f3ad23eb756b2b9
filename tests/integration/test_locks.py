"""One run per entity at a time: a second run fails fast and names the holder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa

from onec_bridge.contract.loader import load_contract
from onec_bridge.contract.model import Contract
from onec_bridge.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    EmulatorBase,
    EmulatorSettings,
    create_app,
    generate_demo_base,
)
from onec_bridge.store.database import Database
from onec_bridge.store.locks import AdvisoryLock, EntityLocked, RowLock, entity_lock
from onec_bridge.sync.runner import run_sync

DEMO_CONTRACT = Path(__file__).resolve().parents[2] / "examples" / "demo" / "contract.yaml"


def _emulator_contract(database_url: str) -> Contract:
    """The demo contract against an in-process emulator with its default user."""
    environ = {
        "ONEC_URL": "http://emulator/demo",
        "ONEC_USER": DEFAULT_USER,
        "ONEC_PASSWORD": DEFAULT_PASSWORD,
        "DATABASE_URL": database_url,
    }
    return load_contract(DEMO_CONTRACT, environ=environ)


def _database(url: str) -> Database:
    environ = {"ONEC_URL": "http://emulator/demo", "ONEC_PASSWORD": "x", "DATABASE_URL": url}
    database = Database(load_contract(DEMO_CONTRACT, environ=environ))
    database.create_schema()
    return database


def test_second_holder_fails_fast_naming_the_first(database_url: str) -> None:
    db = _database(database_url)
    first = entity_lock(db.engine, db.state, "products", "run-aaa")
    first.acquire()
    second = entity_lock(db.engine, db.state, "products", "run-bbb")
    with pytest.raises(EntityLocked) as caught:
        second.acquire()
    message = str(caught.value)
    assert "entity products is already being synced by run run-aaa" in message
    assert f"since {datetime.now(UTC):%Y-%m-%d}" in message
    first.release()
    second.acquire()
    second.release()
    db.dispose()


def test_different_entities_do_not_block_each_other(database_url: str) -> None:
    db = _database(database_url)
    with (
        entity_lock(db.engine, db.state, "products", "run-a"),
        entity_lock(db.engine, db.state, "units", "run-b"),
    ):
        with db.engine.connect() as conn:
            query = sa.select(db.state.locks.c.entity, db.state.locks.c.owner)
            owners = {entity: owner for entity, owner in conn.execute(query)}
        assert owners == {"products": "run-a", "units": "run-b"}
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(db.state.locks)).first() is None
    db.dispose()


def _insert_lock(db: Database, pid: int, heartbeat: datetime) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            db.state.locks.insert().values(
                entity="products",
                owner="crashed-run",
                host=socket.gethostname(),
                pid=pid,
                acquired_at=heartbeat,
                heartbeat_at=heartbeat,
            )
        )


def test_row_of_an_exited_process_is_taken_over(tmp_path: Path) -> None:
    db = _database(f"sqlite:///{tmp_path}/app.db")
    exited = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    _insert_lock(db, int(exited.stdout), datetime.now(UTC))
    with RowLock(db.engine, db.state, "products", "new-run"):
        holder = RowLock(db.engine, db.state, "products", "x").holder()
        assert holder is not None
        assert holder.owner == "new-run"
    db.dispose()


def test_row_with_an_old_heartbeat_is_taken_over_a_fresh_one_is_not(tmp_path: Path) -> None:
    db = _database(f"sqlite:///{tmp_path}/app.db")
    alive = os.getppid()
    _insert_lock(db, alive, datetime.now(UTC))
    with pytest.raises(EntityLocked, match="run crashed-run"):
        RowLock(db.engine, db.state, "products", "new-run", stale_after=60).acquire()
    with db.engine.begin() as conn:
        old = datetime.now(UTC) - timedelta(minutes=5)
        conn.execute(db.state.locks.update().values(heartbeat_at=old))
    lock = RowLock(db.engine, db.state, "products", "new-run", stale_after=60)
    lock.acquire()
    lock.release()
    db.dispose()


def test_heartbeat_keeps_the_row_fresh(tmp_path: Path) -> None:
    db = _database(f"sqlite:///{tmp_path}/app.db")
    lock = RowLock(db.engine, db.state, "products", "run-a", heartbeat_every=0.02)
    lock.acquire()
    first = lock.holder()
    assert first is not None
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while (now := lock.holder()) is not None and now.heartbeat == first.heartbeat:
        assert datetime.now(UTC) < deadline, "the heartbeat never advanced"
    lock.release()
    assert lock.holder() is None
    db.dispose()


def test_postgres_lock_dies_with_its_connection(postgres_url: str) -> None:
    db = _database(postgres_url)
    first = AdvisoryLock(db.engine, db.state, "products", "run-a")
    first.acquire()
    with pytest.raises(EntityLocked, match="run run-a"):
        entity_lock(db.engine, db.state, "products", "run-b").acquire()
    connection = first._connection  # the crash of the holder: its session ends
    assert connection is not None
    connection.invalidate()
    second = entity_lock(db.engine, db.state, "products", "run-b")
    # the server ends the dead session asynchronously: wait (bounded) until it has
    for _ in range(100):
        try:
            second.acquire()
            break
        except EntityLocked:
            time.sleep(0.05)
    else:
        pytest.fail("the advisory lock outlived its connection by more than 5 s")
    holder = second.holder()
    assert holder is not None
    assert holder.owner == "run-b"
    second.release()
    db.dispose()


async def test_sync_of_a_locked_entity_fails_fast(database_url: str) -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=50, seed=1)
    app = create_app(base, EmulatorSettings(base_name="demo"))
    contract = _emulator_contract(database_url)
    db = _database(database_url)
    transport = httpx2.ASGITransport(app=app)
    with entity_lock(db.engine, db.state, "products", "the-other-run"):
        with pytest.raises(EntityLocked, match="synced by run the-other-run"):
            await run_sync(contract, ["products"], transport=transport)
        with db.engine.connect() as conn:
            runs = conn.execute(sa.select(db.state.runs.c.entity)).scalars().all()
        assert runs == []
    results = await run_sync(contract, ["products"], transport=transport)
    assert [result.status for result in results] == ["succeeded"]
    db.dispose()
    base.close()


async def test_a_run_whose_lock_was_taken_over_commits_nothing_more(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that stalled past its lock's life and wakes up: the run that took the lock over
    owns the entity now, so the stale run's next batch must not commit."""
    from onec_bridge.store.locks import LockLost
    from onec_bridge.sync import pull

    monkeypatch.setattr(pull, "BATCH_ROWS", 100)  # several commits in a small base
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=600, seed=3)
    app = create_app(
        base, EmulatorSettings(base_name="demo", users={DEFAULT_USER: DEFAULT_PASSWORD})
    )
    contract = _emulator_contract(database_url)
    contract.onec.page_size = 100
    outsider = sa.create_engine(database_url)
    committed: list[int] = []

    def take_over_after_the_first_batch(entity: str, read: int, _total: int | None) -> None:
        if committed:
            return
        committed.append(read)
        with outsider.begin() as conn:  # what RowLock._take does to a stale row
            locks = sa.table("onec_bridge_locks", sa.column("entity"), sa.column("owner"))
            conn.execute(locks.update().where(locks.c.entity == entity).values(owner="usurper"))

    with pytest.raises(LockLost, match="lost its lock to another run"):
        await run_sync(
            contract,
            ["products"],
            progress=take_over_after_the_first_batch,
            transport=httpx2.ASGITransport(app=app),
        )
    with outsider.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM products")).scalar()
        status = conn.execute(sa.text("SELECT status FROM onec_bridge_runs")).scalar()
        checkpoints = conn.execute(sa.text("SELECT count(*) FROM onec_bridge_checkpoints")).scalar()
        owner = conn.execute(sa.text("SELECT owner FROM onec_bridge_locks")).scalar()
    outsider.dispose()
    base.close()
    assert committed and stored == committed[0] < 600  # the first batch, nothing after it
    assert status == "running" and checkpoints == 1  # left for the new holder to resume
    assert owner == "usurper"  # the stale run's release did not free the new holder's lock
