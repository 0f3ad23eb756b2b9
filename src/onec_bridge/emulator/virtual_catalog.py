"""Which virtual tables a register has and the shape of their results.

* periodic information register: ``SliceLast``, ``SliceFirst`` → ``<Set>_SliceLast``…
  with all the register's properties;
* accumulation register of balance kind: ``Balance`` (``<R>Balance``), ``Turnovers``
  (``<R>Turnover``, ``<R>Receipt``, ``<R>Expense``) and ``BalanceAndTurnovers``
  (``<R>OpeningBalance``, ``…Turnover``, ``…Receipt``, ``…Expense``, ``…ClosingBalance``);
  of turnover kind: ``Turnovers`` with ``<R>Turnover`` only.

Resources come first and dimensions after them, as in the captured ``Balance``/
``Turnovers`` answers. A register built without :class:`RegisterSpec` has its
dimensions and resources inferred: numeric non-standard properties are resources.
"""

from __future__ import annotations

from dataclasses import dataclass

from onec_bridge.emulator.model import (
    Configuration,
    EdmType,
    EntitySet,
    ObjectKind,
    Property,
    RegisterSpec,
)

__all__ = [
    "VIRTUAL_TABLES",
    "RegisterView",
    "register_view",
    "register_views",
    "result_properties",
    "result_type_name",
]

VIRTUAL_TABLES = ("SliceLast", "SliceFirst", "Balance", "Turnovers", "BalanceAndTurnovers")
_RESULT_SUFFIX = {
    "SliceLast": "SliceLast",
    "SliceFirst": "SliceFirst",
    "Balance": "Balance",
    "Turnovers": "Turnover",
    "BalanceAndTurnovers": "BalanceAndTurnover",
}
_STANDARD = frozenset(
    {"Recorder", "Recorder_Key", "Recorder_Type", "Period", "LineNumber", "Active", "RecordType"}
)
_NUMERIC = frozenset({EdmType.DOUBLE, EdmType.INT16, EdmType.INT32, EdmType.INT64})
_REGISTER_KINDS = (ObjectKind.INFORMATION_REGISTER, ObjectKind.ACCUMULATION_REGISTER)


@dataclass(frozen=True, slots=True)
class RegisterView:
    """A register as its virtual tables see it; ``binding`` is the name in the URL."""

    binding: str
    records: EntitySet
    dimensions: tuple[Property, ...]
    resources: tuple[Property, ...]
    spec: RegisterSpec

    @property
    def accumulation(self) -> bool:
        return self.records.kind is ObjectKind.ACCUMULATION_REGISTER

    @property
    def functions(self) -> tuple[str, ...]:
        if not self.accumulation:
            return ("SliceLast", "SliceFirst") if self.spec.periodic else ()
        return (
            ("Balance", "Turnovers", "BalanceAndTurnovers") if self.spec.balance else ("Turnovers",)
        )


def _inferred_spec(records: EntitySet) -> RegisterSpec:
    own = [prop for prop in records.properties if prop.name not in _STANDARD]
    return RegisterSpec(
        dimensions=tuple(p.name for p in own if p.type not in _NUMERIC),
        resources=tuple(p.name for p in own if p.type in _NUMERIC),
        periodic=records.get_property("Period") is not None,
        balance=records.get_property("RecordType") is not None,
    )


def _view(binding: str, records: EntitySet) -> RegisterView:
    spec = records.register or _inferred_spec(records)
    props = {prop.name: prop for prop in records.properties}
    return RegisterView(
        binding,
        records,
        tuple(props[name] for name in spec.dimensions if name in props),
        tuple(props[name] for name in spec.resources if name in props),
        spec,
    )


def register_view(configuration: Configuration, name: str) -> RegisterView | None:
    """The register ``name`` (``AccumulationRegister_X`` also finds ``…_X_RecordType``)."""
    for candidate in (name, f"{name}_RecordType"):
        records = configuration.entity_set(candidate)
        if records is None or records.kind not in _REGISTER_KINDS:
            continue
        if records.get_property("Period") is not None or records.register is not None:
            return _view(name, records)
    return None


def register_views(configuration: Configuration) -> list[RegisterView]:
    """Every register with at least one virtual table, bound by its 1C name."""
    views = []
    for entity_set in configuration.entity_sets:
        if entity_set.kind not in _REGISTER_KINDS:
            continue
        binding = entity_set.name
        if entity_set.kind is ObjectKind.ACCUMULATION_REGISTER:
            binding = binding.removesuffix("_RecordType")
        view = register_view(configuration, binding)
        if view is not None and view.functions:
            views.append(view)
    return views


def result_type_name(view: RegisterView, function: str) -> str:
    return f"{view.binding}_{_RESULT_SUFFIX[function]}"


def resource_columns(view: RegisterView, function: str) -> list[tuple[str, str]]:
    """``(resource, suffix)`` for every computed column, in 1C's order."""
    suffixes: tuple[str, ...]
    if function == "Balance":
        suffixes = ("Balance",)
    elif function == "Turnovers":
        suffixes = ("Turnover", "Receipt", "Expense") if view.spec.balance else ("Turnover",)
    else:
        suffixes = ("OpeningBalance", "Turnover", "Receipt", "Expense", "ClosingBalance")
    return [(res.name, suffix) for res in view.resources for suffix in suffixes]


def result_properties(
    view: RegisterView, function: str, dimensions: tuple[Property, ...] | None = None
) -> tuple[Property, ...]:
    """The properties of one result row (``dimensions`` narrows the grouping)."""
    if function in ("SliceLast", "SliceFirst"):
        return view.records.properties
    computed = tuple(
        Property(f"{name}{suffix}", EdmType.DOUBLE)
        for name, suffix in resource_columns(view, function)
    )
    return (*computed, *(view.dimensions if dimensions is None else dimensions))
