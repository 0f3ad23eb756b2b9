"""The exchange contract: model, loading with precise error locations."""

from onec_bridge.contract.errors import ContractError
from onec_bridge.contract.loader import load_contract
from onec_bridge.contract.model import (
    Contract,
    DatabaseSettings,
    Entity,
    FieldSpec,
    IncrementalStrategy,
)

__all__ = [
    "Contract",
    "ContractError",
    "DatabaseSettings",
    "Entity",
    "FieldSpec",
    "IncrementalStrategy",
    "load_contract",
]
