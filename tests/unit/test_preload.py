"""preload_dependencies imports what httpx2 and SQLAlchemy would import inside a first run,
then freezes the start-up objects out of the collector's reach."""

from __future__ import annotations

import subprocess
import sys


def _fresh_interpreter(code: str) -> list[str]:
    """The lines ``code`` prints in a new interpreter (nothing imported beforehand)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_preload_imports_the_lazy_dependencies_in_a_fresh_interpreter() -> None:
    code = (
        "import sys\n"
        "from onec_bridge.preload import preload_dependencies\n"
        "before = {m for m in ('httpcore2', 'anyio._backends._asyncio') if m in sys.modules}\n"
        "loaded = preload_dependencies()\n"
        "print(sorted(before)); print(loaded)\n"
        "assert all(name in sys.modules for name in loaded)\n"
        "import gc; assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
    )
    out = _fresh_interpreter(code)
    assert out[0] == "[]"  # importing onec_bridge alone does not pull them in
    loaded = out[1]
    for name in ("httpcore2", "anyio._backends._asyncio", "sqlalchemy.dialects.sqlite.pysqlite"):
        assert repr(name) in loaded


def test_after_preload_the_first_database_imports_no_module() -> None:
    """The state tables' options of both dialects are checked without an import."""
    code = (
        "import sys\n"
        "from onec_bridge.contract.model import Contract\n"
        "from onec_bridge.preload import preload_dependencies\n"
        "from onec_bridge.store.database import Database\n"
        "url = 'postgresql+psycopg://u@127.0.0.1:1/x'\n"
        "contract = Contract.model_validate({'onec': {'url': 'http://h/b', 'user': 'u'},"
        " 'database': {'url': url}, 'entities': {'items': {'source':"
        " {'odata': 'Catalog_Номенклатура'}, 'fields': {'id': 'Ref_Key'}}}})\n"
        "preload_dependencies(url)\n"
        "before = set(sys.modules)\n"
        "Database(contract).dispose()\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    assert _fresh_interpreter(code) == ["[]"]
