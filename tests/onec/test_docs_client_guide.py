"""docs/client.md runs: every ```python block is executed, in order, in one namespace.

The guide's first block starts the emulator (``handle``) and its last one stops it, so the
guide is its own fixture. Blocks with top-level ``await`` (written for ``python -m asyncio``
or Jupyter) run on one event loop kept for the whole guide, as in such a REPL.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "client.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def guide_blocks() -> list[tuple[int, str]]:
    """(line number, source) of each ```python block of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1)) for match in _BLOCK.finditer(text)
    ]


def run_block(
    source: str, where: str, namespace: dict[str, Any], loop: asyncio.AbstractEventLoop
) -> None:
    code = compile(source, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if code.co_flags & inspect.CO_COROUTINE:
        loop.run_until_complete(eval(code, namespace))
    else:
        exec(code, namespace)


def test_the_guide_has_examples_of_every_feature() -> None:
    sources = "\n".join(source for _, source in guide_blocks())
    for call in (
        "iter_pages",
        "get_many",
        ".create(",
        ".patch(",
        "if_match=",
        ".delete(",
        "set_deletion_mark",
        "post_document",
        "unpost_document",
        "virtual_table",
        ".metadata(",
        "MetadataCache",
        "select_changes",
        "notify_changes_received",
        ".hs(",
        "session_reuse",
        "OneCClientSync",
        "ResilienceSettings",
    ):
        assert call in sources, f"docs/client.md has no runnable example of {call}"


def test_every_python_block_of_the_client_guide_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the guide's MetadataCache(".cache/onec") lands here
    blocks = guide_blocks()
    assert len(blocks) >= 10
    namespace: dict[str, Any] = {"__name__": "__guide__"}
    loop = asyncio.new_event_loop()
    try:
        for line, source in blocks:
            run_block(source, f"docs/client.md:{line}", namespace, loop)
    finally:
        for name in ("flaky", "handle"):  # servers left running by a failed block
            server = namespace.get(name)
            if server is not None:
                server.stop()
        loop.close()
    printed = capsys.readouterr().out
    assert namespace["handle"].url in printed
    assert "items read through injected 500s" in printed
    assert (tmp_path / ".cache" / "onec").is_dir()
