"""The text forms of ``source:`` values, shared by the pull engine and ``contract check``.

``sync/source_kinds.py`` reads them into a source kind; ``contract/check_sources.py``
explains what is wrong with one that does not read. One set of patterns keeps the two
from drifting apart.
"""

from __future__ import annotations

import re

__all__ = [
    "ARGUMENT",
    "HTTP_ANY_METHOD",
    "HTTP_LIST",
    "OBJECT_PREFIXES",
    "REGISTER_PREFIXES",
    "VIRTUAL",
    "argument_names",
    "tabular_parts",
]

#: prefixes of sets whose objects carry Ref_Key + DataVersion (1C facts §2, §3)
OBJECT_PREFIXES = (
    "Catalog",
    "Document",
    "ExchangePlan",
    "ChartOfAccounts",
    "ChartOfCalculationTypes",
    "ChartOfCharacteristicTypes",
    "BusinessProcess",
    "Task",
)
REGISTER_PREFIXES = (
    "InformationRegister",
    "AccumulationRegister",
    "AccountingRegister",
    "CalculationRegister",
)
#: ``InformationRegister_X/SliceLast(Period=datetime'…')``
VIRTUAL = re.compile(r"^(?P<set>[^/(?]+)/(?P<function>[A-Za-z]+)(?:\((?P<args>.*)\))?$")
#: one ``Name=value`` parameter of a virtual table (a quoted value may hold commas)
ARGUMENT = re.compile(r"\s*(?P<name>[A-Za-z]+)\s*=\s*(?P<value>[^,]*(?:'[^']*'[^,]*)*)\s*(?:,|$)")
#: ``GET /root/template``: the only HTTP-service form the engine pulls
HTTP_LIST = re.compile(r"^(?P<method>GET)\s+/(?P<root>[^/?\s]+)/?(?P<path>[^?\s]*)$", re.IGNORECASE)
#: the same shape with any method word, to tell "wrong method" from "unreadable"
HTTP_ANY_METHOD = re.compile(r"^(?P<method>[A-Za-z]+)\s+/(?P<root>[^/?\s]+)/?(?P<path>[^?\s]*)$")


def argument_names(args: str) -> list[str] | None:
    """Parameter names of a virtual table's ``(…)``; None when they cannot be read."""
    names: list[str] = []
    position = 0
    while position < len(args):
        argument = ARGUMENT.match(args, position)
        if argument is None or argument.end() == position:
            return None
        names.append(argument.group("name"))
        position = argument.end()
    return names


def tabular_parts(set_name: str) -> tuple[str, str] | None:
    """``(owner set, section)`` of ``Document_X_Товары``; None for another name."""
    prefix, _, rest = set_name.partition("_")
    owner, _, section = rest.partition("_")
    if prefix not in OBJECT_PREFIXES or not owner or not section:
        return None
    return f"{prefix}_{owner}", section
