"""The contract reference in ``docs/contract.md``, generated from the pydantic models.

``python -m onec_bridge.contract.reference`` rewrites the part of the file
between the markers (the hand-written text around it stays);
``--check`` exits 1 when the file is out of date with the models.
"""

from __future__ import annotations

import argparse
import enum
import inspect
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from onec_bridge.contract.model import Contract

__all__ = [
    "BEGIN_MARKER",
    "DEFAULT_DOCUMENT",
    "END_MARKER",
    "EXTRA_DESCRIPTIONS",
    "render_reference",
    "update_document",
]

BEGIN_MARKER = "<!-- BEGIN GENERATED REFERENCE: python -m onec_bridge.contract.reference -->"
END_MARKER = "<!-- END GENERATED REFERENCE -->"
DEFAULT_DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "contract.md"

# Models owned by the 1C client carry no field descriptions; these fill the gap
# (a test fails if one names a field that no longer exists).
EXTRA_DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("OneCSettings", "url"): "publication root, e.g. `http://host/trade` (OData and /hs below it)",
    ("OneCSettings", "user"): "1C user name (Cyrillic is fine: sent as UTF-8)",
    ("OneCSettings", "password"): "1C password; write `${ONEC_PASSWORD}`, never the secret itself",
    ("OneCSettings", "timezone"): "time zone of the 1C server (1C dates carry no offset)",
    ("OneCSettings", "connect_timeout"): "seconds to open a connection",
    ("OneCSettings", "read_timeout"): "seconds to wait for an answer",
    ("OneCSettings", "total_timeout"): "seconds for one request including retries",
    ("OneCSettings", "max_connections"): "HTTP connections kept to the base",
    ("OneCSettings", "session_reuse"): "reuse 1C sessions (`IBSession` header, saves ~30 ms/call)",
    ("OneCSettings", "url_max_length"): (
        "longest URL sent (IIS rejects > 2048 bytes with an HTML 404)"
    ),
    ("OneCSettings", "page_size"): "rows per OData request unless an entity says otherwise",
    ("OneCSettings", "resilience"): "retries, circuit breaker and flow limits",
    ("ResilienceSettings", "retry_attempts"): "attempts per request, the first included",
    ("ResilienceSettings", "retry_min_backoff"): "first backoff, seconds (jittered, doubling)",
    ("ResilienceSettings", "retry_max_backoff"): "longest backoff, seconds",
    ("ResilienceSettings", "retry_after_floor"): "least wait honoured from `Retry-After`, seconds",
    ("ResilienceSettings", "retry_after_cap"): "most wait honoured from `Retry-After`, seconds",
    ("ResilienceSettings", "breaker_threshold"): "failures in a row that open the circuit",
    ("ResilienceSettings", "breaker_cooldown"): "seconds the circuit stays open",
    ("ResilienceSettings", "rate_limit_per_second"): "requests per second to the base",
    ("ResilienceSettings", "max_concurrency"): "requests in flight to the base",
}


def render_reference() -> str:
    """Markdown tables of every contract key (type, default, description) and every enum."""
    sections = [_model_section(path, model) for path, model in _models(Contract, "")]
    enums = sorted(
        {annotation for _, model in _models(Contract, "") for annotation in _enums_of(model)},
        key=lambda item: item.__name__,
    )
    sections.append("### Values\n\n" + "\n\n".join(_enum_section(item) for item in enums))
    return "\n\n".join(sections) + "\n"


def update_document(text: str) -> str:
    """``text`` with the generated part replaced (appended, with markers, when missing)."""
    generated = f"{BEGIN_MARKER}\n\n{render_reference()}\n{END_MARKER}"
    start, end = text.find(BEGIN_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        return text.rstrip("\n") + "\n\n" + generated + "\n"
    return text[:start] + generated + text[end + len(END_MARKER) :]


def _models(model: type[BaseModel], path: str) -> Iterator[tuple[str, type[BaseModel]]]:
    """Each model reachable from ``model`` with the YAML path it sits at (`entities.<name>`)."""
    yield path, model
    for name, field in model.model_fields.items():
        key = field.alias or name
        for inner, is_mapping in _nested_models(field.annotation):
            child = f"{path}.{key}" if path else key
            yield from _models(inner, f"{child}.<name>" if is_mapping else child)


def _nested_models(annotation: Any) -> Iterator[tuple[type[BaseModel], bool]]:
    origin = typing.get_origin(annotation)
    if origin is dict:
        for inner, _ in _nested_models(typing.get_args(annotation)[1]):
            yield inner, True
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _nested_models(arg)
    elif inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation, False


def _enums_of(model: type[BaseModel]) -> set[type[enum.Enum]]:
    found = set()
    for field in model.model_fields.values():
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            if inspect.isclass(arg) and issubclass(arg, enum.Enum):
                found.add(arg)
    return found


def _model_section(path: str, model: type[BaseModel]) -> str:
    title = f"`{path}`" if path else "top level"
    doc = inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    rows = ["| key | type | default | description |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        description = field.description or EXTRA_DESCRIPTIONS.get((model.__name__, name), "")
        rows.append(
            f"| `{field.alias or name}` | {_type_name(field.annotation)} | "
            f"{_default(field)} | {_cell(description + _constraints(field))} |"
        )
    return f"### {title} — {model.__name__}\n\n{doc}\n\n" + "\n".join(rows)


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(arg) for arg in args if arg is not type(None)]
        return " or ".join(names) + (" (optional)" if type(None) in args else "")
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is dict:
        return f"mapping of name → {_type_name(args[1])}"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if annotation is SecretStr:
        return "secret string"
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation.__name__
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        annotation, str(annotation)
    )


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "see below"
        return f"`{value!r}`" if value else "empty"
    if field.default is PydanticUndefined:
        return "**required**"
    value = field.default
    if value is None:
        return "—"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, SecretStr):
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _constraints(field: FieldInfo) -> str:
    bounds = (
        (annotated_types.Ge, "≥", "ge"),
        (annotated_types.Gt, ">", "gt"),
        (annotated_types.Le, "≤", "le"),
        (annotated_types.Lt, "<", "lt"),
    )
    parts = []
    for item in field.metadata:
        for kind, sign, attribute in bounds:
            if isinstance(item, kind):
                parts.append(f"{sign} {getattr(item, attribute)}")
    return f" ({', '.join(parts)})" if parts else ""


def _enum_section(item: type[enum.Enum]) -> str:
    doc = inspect.cleandoc(item.__doc__ or "")
    summary, _, details = doc.partition("\n\n")
    values = ", ".join(f"`{member.value}`" for member in item)
    text = f"#### {item.__name__}\n\n{summary} One of: {values}."
    if details:
        text += "\n\n" + details.replace("\n", "  \n")
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("document", nargs="?", type=Path, default=DEFAULT_DOCUMENT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    current = args.document.read_text(encoding="utf-8") if args.document.exists() else ""
    updated = update_document(current)
    if args.check:
        if updated != current:
            print(f"{args.document} is out of date; run python -m onec_bridge.contract.reference")
            return 1
        return 0
    args.document.parent.mkdir(parents=True, exist_ok=True)
    args.document.write_text(updated, encoding="utf-8")
    print(f"wrote {args.document}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
