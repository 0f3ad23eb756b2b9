"""The exchange contract: model, loading with precise error locations, checks, scaffolding."""

from onec_bridge.contract.check import check_contract
from onec_bridge.contract.errors import ContractError, ContractProblem
from onec_bridge.contract.loader import load_contract, load_contract_with_origins
from onec_bridge.contract.model import (
    Contract,
    DatabaseSettings,
    Entity,
    FieldSpec,
    IncrementalStrategy,
)
from onec_bridge.contract.scaffold import ScaffoldError, scaffold_contract

__all__ = [
    "Contract",
    "ContractError",
    "ContractProblem",
    "DatabaseSettings",
    "Entity",
    "FieldSpec",
    "IncrementalStrategy",
    "ScaffoldError",
    "check_contract",
    "load_contract",
    "load_contract_with_origins",
    "scaffold_contract",
]
