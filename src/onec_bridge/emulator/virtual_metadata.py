"""``$metadata`` for virtual tables: a ComplexType per result and a bindable FunctionImport.

As in the captured metadata: ``IsBindable="true" IsSideEffecting="false"
ReturnType="Collection(StandardODATA.<Register>_Balance)"``, a ``bindingParameter`` and
the parameters in alphabetical order.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from onec_bridge.emulator.model import Configuration
from onec_bridge.emulator.virtual_catalog import (
    RegisterView,
    register_views,
    result_properties,
    result_type_name,
)
from onec_bridge.mapping.onec_values import EDM_NAMESPACE

__all__ = ["virtual_table_metadata"]

_NS = EDM_NAMESPACE
_PARAMETERS = {
    "SliceLast": (("Condition", "Edm.String"), ("Period", "Edm.DateTime")),
    "SliceFirst": (("Condition", "Edm.String"), ("Period", "Edm.DateTime")),
    "Balance": (
        ("Condition", "Edm.String"),
        ("Dimensions", "Edm.String"),
        ("Period", "Edm.DateTime"),
    ),
    "Turnovers": (
        ("Condition", "Edm.String"),
        ("Dimensions", "Edm.String"),
        ("EndPeriod", "Edm.DateTime"),
        ("StartPeriod", "Edm.DateTime"),
    ),
}
_PARAMETERS["BalanceAndTurnovers"] = _PARAMETERS["Turnovers"]


def _complex_type(view: RegisterView, function: str) -> str:
    props = "".join(
        f'<Property Name="{escape(prop.name)}" Type="{prop.type.value}" Nullable="true"/>'
        for prop in result_properties(view, function)
    )
    return f'<ComplexType Name="{escape(result_type_name(view, function))}">{props}</ComplexType>'


def _function_import(view: RegisterView, function: str, binding_type: str) -> str:
    params = "".join(
        f'<Parameter Name="{name}" Type="{edm}"/>' for name, edm in _PARAMETERS[function]
    )
    return (
        f'<FunctionImport Name="{function}" IsBindable="true" IsSideEffecting="false" '
        f'ReturnType="Collection({_NS}.{escape(result_type_name(view, function))})">'
        f'<Parameter Name="bindingParameter" Type="{_NS}.{escape(binding_type)}"/>{params}'
        "</FunctionImport>"
    )


def virtual_table_metadata(configuration: Configuration) -> tuple[list[str], list[str]]:
    """(schema-level ComplexTypes, container-level FunctionImports) for every register."""
    types: list[str] = []
    functions: list[str] = []
    for view in register_views(configuration):
        binding_type = view.binding
        if configuration.entity_set(binding_type) is None:
            binding_type = view.records.name  # only the records set is published
        for function in view.functions:
            types.append(_complex_type(view, function))
            functions.append(_function_import(view, function, binding_type))
    return types, functions
