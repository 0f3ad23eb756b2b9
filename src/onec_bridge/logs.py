"""Logging: structlog, human-readable on a terminal, JSON when ONEC_BRIDGE_LOG_JSON=1.

Every line of a run carries its correlation id (bound with contextvars). Known
secrets are registered once and masked wherever they would appear in a line.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["configure_logging", "redact", "register_secret"]

_SECRETS: set[str] = set()
_MASK = "***"


def register_secret(value: str | None) -> None:
    """Never print ``value``: every log line is scrubbed of it from now on."""
    if value and len(value) >= 3:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


def _redact_processor(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
    if not _SECRETS:
        return event
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = redact(value)
        elif not isinstance(value, int | float | bool | type(None)):
            text = str(value)
            scrubbed = redact(text)
            if scrubbed != text:
                event[key] = scrubbed
    return event


def configure_logging(
    *, json: bool | None = None, level: str | None = None, stream: TextIO | None = None
) -> None:
    """Set up structlog for the process; idempotent, safe to call per CLI command."""
    use_json = os.environ.get("ONEC_BRIDGE_LOG_JSON", "") in ("1", "true") if json is None else json
    level_name = (level or os.environ.get("ONEC_BRIDGE_LOG_LEVEL", "INFO")).upper()
    output = stream or sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=output.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level_name, logging.INFO)
        ),
        # without an explicit stream, look sys.stderr up per logger: test runners swap it
        logger_factory=(
            structlog.PrintLoggerFactory(stream)
            if stream is not None
            else lambda *_: structlog.PrintLogger(sys.stderr)
        ),
        cache_logger_on_first_use=False,
    )
