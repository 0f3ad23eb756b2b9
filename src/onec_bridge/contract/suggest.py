"""Which keys a contract allows at a given place, for "did you mean" hints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from onec_bridge.contract.model import Contract

__all__ = ["allowed_keys_at"]


def allowed_keys_at(path: tuple[str, ...]) -> list[str]:
    """Field names (YAML spelling) of the model found by walking ``path`` from Contract."""
    model: Any = Contract
    for part in path:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part)
        if field is None:
            # a dict value (entities.<name>, fields.<column>): keep the model of its values
            continue
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ())
    if args:
        for arg in reversed(args):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation
