"""What the emulator breaks, where and how often: the fault plan and its per-request draw.

A plan is a seed plus an ordered list of rules. Every rule names a path pattern
(``fnmatch`` on the URL path, ``*`` by default) and the faults it switches on;
for one request the matching rules are merged in order, each overriding only the
fields it sets. So ``latency=30ms; path=*/$metadata,metadata_size=5MB`` keeps the
latency on ``$metadata`` too.

The draw for a request is a pure function of (seed, method, URL, n), where n
counts earlier requests to the same URL in this run: a run is reproducible even
with requests in flight concurrently, and a retry of the same URL draws anew.

The compact form (the CLI's ``--faults``)::

    latency=30ms,jitter=10ms,error_rate=5%,seed=7; path=*/$metadata,metadata_size=5MB
"""

from __future__ import annotations

import enum
import fnmatch
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "FaultDecision",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "FaultSpecError",
    "decide",
]

DEFAULT_RETRY_AFTER_S = 1
DEFAULT_HANG_S = 60.0


class FaultSpecError(ValueError):
    """A fault plan that cannot be understood; the message says what, where and how to fix."""


class FaultKind(enum.StrEnum):
    """Faults that replace or damage the answer (latency and bandwidth only slow it)."""

    TIMEOUT = "timeout"
    DROP = "drop"
    GATEWAY_ERROR = "gateway_error"
    ERROR = "error"
    THROTTLE = "throttle"
    TRUNCATE = "truncate"
    CONTROL_CHAR = "control_char"


_Rate = Field(default=0.0, ge=0.0, le=1.0)


class FaultRule(BaseModel):
    """Faults for the requests whose path matches ``path``; rates are probabilities 0..1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = "*"
    latency_ms: float = Field(default=0.0, ge=0.0)
    jitter_ms: float = Field(default=0.0, ge=0.0)
    error_rate: float = _Rate
    gateway_error_rate: float = _Rate
    throttle_rate: float = _Rate
    retry_after_s: int = Field(default=DEFAULT_RETRY_AFTER_S, ge=0)
    timeout_rate: float = _Rate
    hang_s: float = Field(default=DEFAULT_HANG_S, gt=0.0)
    drop_rate: float = _Rate
    truncate_rate: float = _Rate
    control_char_rate: float = _Rate
    metadata_size_bytes: int = Field(default=0, ge=0)
    bandwidth_bytes_per_s: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="after")
    def _rates_fit_in_one(self) -> FaultRule:
        total = sum(self.rates().values())
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"fault rates of rule path={self.path!r} add up to {total:.3f}; "
                "they are exclusive per request, so keep their sum at most 1"
            )
        return self

    def rates(self) -> dict[FaultKind, float]:
        """Rate per answer-replacing fault, in the order the draw tries them."""
        return {
            FaultKind.TIMEOUT: self.timeout_rate,
            FaultKind.DROP: self.drop_rate,
            FaultKind.GATEWAY_ERROR: self.gateway_error_rate,
            FaultKind.ERROR: self.error_rate,
            FaultKind.THROTTLE: self.throttle_rate,
            FaultKind.TRUNCATE: self.truncate_rate,
            FaultKind.CONTROL_CHAR: self.control_char_rate,
        }

    def matches(self, path: str) -> bool:
        return fnmatch.fnmatchcase(path, self.path)


class FaultPlan(BaseModel):
    """A seed and ordered rules; ``FaultPlan()`` breaks nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 0
    rules: tuple[FaultRule, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Read the compact form: rules split by ``;``, ``key=value`` pairs split by ``,``."""
        return _parse_spec(spec)

    @classmethod
    def from_json(cls, data: str | bytes) -> FaultPlan:
        """Read the JSON form (``{"seed": 7, "rules": [{"latency_ms": 30}]}``)."""
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise FaultSpecError(f"fault plan JSON is invalid: {_explain(exc)}") from None

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_defaults=False))

    def is_empty(self) -> bool:
        return not self.rules

    def rule_for(self, path: str) -> FaultRule | None:
        """The matching rules merged in order, or None when no rule matches."""
        merged: dict[str, Any] | None = None
        for rule in self.rules:
            if rule.matches(path):
                merged = merged or {}
                merged.update(rule.model_dump(exclude_unset=True))
        if merged is None:
            return None
        merged["path"] = path
        # Each rule was validated alone; merged rates summing past 1 only starve later kinds.
        return FaultRule.model_construct(**merged)


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What happens to one request: a delay, then at most one fault."""

    rule: FaultRule
    delay_s: float
    kind: FaultKind | None
    rng: random.Random


def decide(plan: FaultPlan, method: str, url: str, path: str, occurrence: int) -> FaultDecision:
    """Draw the fate of the ``occurrence``-th request to ``url`` (pure, reproducible)."""
    rule = plan.rule_for(path) or FaultRule()
    rng = random.Random(f"{plan.seed}|{method}|{url}|{occurrence}")
    jitter = rng.uniform(-rule.jitter_ms, rule.jitter_ms) if rule.jitter_ms else 0.0
    delay_s = max(0.0, rule.latency_ms + jitter) / 1000.0
    draw = rng.random()
    kind: FaultKind | None = None
    threshold = 0.0
    for candidate, rate in rule.rates().items():
        threshold += rate
        if rate and draw < threshold:
            kind = candidate
            break
    return FaultDecision(rule=rule, delay_s=delay_s, kind=kind, rng=rng)


# --- the compact form -------------------------------------------------------------------------

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_DURATION_UNITS = {"": 0.001, "ms": 0.001, "s": 1.0}
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


def _duration_s(text: str) -> float:
    match = re.fullmatch(_NUMBER + r"\s*(ms|s)?", text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration; write e.g. 30ms or 1.5s")
    return float(match[1]) * _DURATION_UNITS[match[2] or ""]


def _size_bytes(text: str) -> int:
    match = re.fullmatch(_NUMBER + r"\s*(b|kb|mb|gb)?", text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a size; write e.g. 512KB or 5MB")
    return int(float(match[1]) * _SIZE_UNITS[match[2] or ""])


def _bandwidth(text: str) -> float:
    cleaned = text.strip().lower().removesuffix("/s")
    return float(_size_bytes(cleaned))


def _rate(text: str) -> float:
    cleaned = text.strip()
    if cleaned.endswith("%"):
        return float(cleaned[:-1]) / 100.0
    return float(cleaned)


def _ms(text: str) -> float:
    return _duration_s(text) * 1000.0


def _whole_seconds(text: str) -> int:
    return round(_duration_s(text if text.strip()[-1:].isalpha() else f"{text}s"))


def _seconds(text: str) -> float:
    return _duration_s(text if text.strip()[-1:].isalpha() else f"{text}s")


_SPEC_KEYS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "path": ("path", str.strip),
    "latency": ("latency_ms", _ms),
    "jitter": ("jitter_ms", _ms),
    "error_rate": ("error_rate", _rate),
    "gateway_error_rate": ("gateway_error_rate", _rate),
    "throttle_rate": ("throttle_rate", _rate),
    "retry_after": ("retry_after_s", _whole_seconds),
    "timeout_rate": ("timeout_rate", _rate),
    "hang": ("hang_s", _seconds),
    "drop_rate": ("drop_rate", _rate),
    "truncate_rate": ("truncate_rate", _rate),
    "control_char_rate": ("control_char_rate", _rate),
    "metadata_size": ("metadata_size_bytes", _size_bytes),
    "bandwidth": ("bandwidth_bytes_per_s", _bandwidth),
}


def _parse_spec(spec: str) -> FaultPlan:
    seed = 0
    rules: list[FaultRule] = []
    for rule_text in filter(str.strip, spec.split(";")):
        fields: dict[str, Any] = {}
        for pair in filter(str.strip, rule_text.split(",")):
            key, sep, value = pair.partition("=")
            key = key.strip().lower()
            if not sep:
                raise FaultSpecError(
                    f"fault spec {spec!r}: {pair.strip()!r} has no '='; write key=value"
                )
            if key == "seed":
                seed = _convert(spec, key, value, int)
                continue
            if key not in _SPEC_KEYS:
                known = ", ".join(["seed", *_SPEC_KEYS])
                raise FaultSpecError(
                    f"fault spec {spec!r}: unknown key {key!r}; known keys: {known}"
                )
            field_name, convert = _SPEC_KEYS[key]
            fields[field_name] = _convert(spec, key, value, convert)
        if fields:
            rules.append(_build_rule(spec, fields))
    return FaultPlan(seed=seed, rules=tuple(rules))


def _convert(spec: str, key: str, value: str, convert: Callable[[str], Any]) -> Any:
    try:
        return convert(value)
    except ValueError as exc:
        raise FaultSpecError(f"fault spec {spec!r}: bad value for {key!r}: {exc}") from None


def _build_rule(spec: str, fields: dict[str, Any]) -> FaultRule:
    try:
        return FaultRule(**fields)
    except ValidationError as exc:
        raise FaultSpecError(f"fault spec {spec!r}: {_explain(exc)}") from None


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "plan"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
