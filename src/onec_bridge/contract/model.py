"""The exchange contract as typed models: one place that says what a valid contract is.

A contract states, for every entity, where it lives in 1C, who is master, which
way data flows, how often, how changes are found, how fields map, and what to do
on deletes, conflicts, mismatches and errors.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from onec_bridge.contract.source_syntax import tabular_parts
from onec_bridge.onec.settings import OneCSettings

__all__ = [
    "AlertSettings",
    "ColumnType",
    "Conflict",
    "Contract",
    "DatabaseSettings",
    "DeleteRule",
    "Direction",
    "Entity",
    "ErrorPolicy",
    "ExchangePlanNode",
    "FieldSpec",
    "HttpPaging",
    "IncrementalStrategy",
    "Master",
    "OnMismatch",
    "Source",
]

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
COLUMN_TYPE = re.compile(
    r"^(uuid|text|string(\(\d+\))?|integer|bigint|boolean|datetime|date|json|bytes|"
    r"decimal\(\d+,\s*\d+\))$"
)


class Master(StrEnum):
    """Who owns the data; the other side follows.

    onec: 1C is the source of truth. app: the application is.
    """

    ONEC = "onec"
    APP = "app"


class Direction(StrEnum):
    """Which way changes flow.

    onec_to_app: pull from 1C. app_to_onec: push to 1C through the outbox. both: both ways.
    """

    ONEC_TO_APP = "onec_to_app"
    APP_TO_ONEC = "app_to_onec"
    BOTH = "both"


class IncrementalStrategy(StrEnum):
    """How changed rows are found.

    full: re-read everything and remove what 1C no longer has.
    data_version: list Ref_Key + DataVersion (a section: its owners'); fetch changes; find deletes.
    exchange_plan: SelectChanges of a 1C exchange plan, acknowledged after the commit.
    modified_field: a date attribute (`modified_field`) with an overlap window.
    """

    FULL = "full"
    DATA_VERSION = "data_version"
    EXCHANGE_PLAN = "exchange_plan"
    MODIFIED_FIELD = "modified_field"


class DeleteRule(StrEnum):
    """What a deletion in 1C does in the app.

    soft: set `deletion_flag` (on DeletionMark or a physical delete). hard: delete the row.
    ignore: keep the row.
    """

    SOFT = "soft"
    HARD = "hard"
    IGNORE = "ignore"


class Conflict(StrEnum):
    """Which change wins when both sides changed a row.

    master_wins: the master's. newest_wins: the later one. manual: park it for a person.
    """

    MASTER_WINS = "master_wins"
    NEWEST_WINS = "newest_wins"
    MANUAL = "manual"


class OnMismatch(StrEnum):
    """What reconciliation does when the app and 1C disagree.

    alert: tell the alert channel. block: stop syncing the entity. repair: rewrite from the master.
    """

    ALERT = "alert"
    BLOCK = "block"
    REPAIR = "repair"


ColumnType = Annotated[
    str,
    Field(
        description="uuid, text, string(n), integer, bigint, "
        "boolean, datetime, date, json, bytes, decimal(p,s)"
    ),
]


class FieldSpec(BaseModel):
    """How one destination column is filled from 1C."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: str = Field(alias="from", description="1C property name, e.g. `Артикул` or `Ref_Key`")
    type: ColumnType | None = Field(
        None, description="column type; inferred from the 1C name when omitted"
    )
    nullable: bool = Field(True, description="whether the column accepts NULL (empty 1C values)")
    references: str | None = Field(
        None, description="entity this column points to (sync order, index)"
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normalized = value.replace(" ", "").lower()
        if not COLUMN_TYPE.match(normalized):
            raise ValueError(
                f"unknown column type {value!r}; use one of uuid, text, string(n), integer, "
                "bigint, boolean, datetime, date, json, bytes, decimal(p,s)"
            )
        return normalized

    @property
    def resolved_type(self) -> str:
        """The declared type, or one inferred from 1C naming conventions."""
        if self.type:
            return self.type
        if self.source == "Ref_Key" or self.source.endswith("_Key"):
            return "uuid"
        if self.source in ("DeletionMark", "IsFolder", "Posted", "Predefined"):
            return "boolean"
        if self.source in ("Date", "Period"):
            return "datetime"
        return "text"


class HttpPaging(BaseModel):
    """How an HTTP-service list endpoint is paged (`limit`/`offset` style)."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(1000, ge=1, le=100_000, description="rows asked per request")
    limit_param: str = Field("limit", description="query parameter carrying the page size")
    offset_param: str = Field("offset", description="query parameter carrying the offset")


class Source(BaseModel):
    """Where the entity lives in 1C."""

    model_config = ConfigDict(extra="forbid")

    odata: str | None = Field(
        None,
        description="entity set, e.g. `Catalog_Номенклатура`, `Document_X_Товары` (tabular "
        "section), `InformationRegister_X/SliceLast()`, `AccumulationRegister_X/Balance()`",
    )
    http_service: str | None = Field(None, description="`GET /root/template` returning a list")
    commerceml: str | None = Field(None, description="CommerceML document: `catalog`, `offers`")
    enum: str | None = Field(
        None, description="enumeration whose values `$metadata` lists, e.g. `ВидыНоменклатуры`"
    )
    items: str | None = Field(
        None,
        description="`http_service`: key of the list in a JSON object answer (default: the "
        "answer itself when it is a list, else its `items`, `value` or `data`)",
    )
    paging: HttpPaging | None = Field(
        None, description="`http_service`: page with limit/offset; one request when omitted"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        names = ("odata", "http_service", "commerceml", "enum")
        given = [name for name in names if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of odata, http_service, commerceml, enum")
        return self


class ExchangePlanNode(BaseModel):
    """The exchange-plan node whose registered changes an entity reads."""

    model_config = ConfigDict(extra="forbid")

    plan: str = Field(description="exchange plan, e.g. `ОбменССайтом` (or `ExchangePlan_…`)")
    node: str = Field(description="the node's `Code`, e.g. `САЙТ`")

    @property
    def entity_set(self) -> str:
        return self.plan if self.plan.startswith("ExchangePlan_") else f"ExchangePlan_{self.plan}"


class ErrorPolicy(BaseModel):
    """What happens to a row or message that fails."""

    model_config = ConfigDict(extra="forbid")

    retries: int = Field(5, ge=0, description="attempts before a row or message is given up")
    dead_letter: bool = Field(True, description="park failures for replay instead of dropping")
    alert: str | None = Field(None, description="alert channel name from `alerts:`")


class AlertSettings(BaseModel):
    """One alert channel."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="telegram, email or webhook")
    target: str = Field(description="chat id, e-mail address or URL, per `kind`")


class Entity(BaseModel):
    """One entity of the exchange: a 1C object and the table it maps to."""

    model_config = ConfigDict(extra="forbid")

    source: Source = Field(description="where the entity lives in 1C")
    table: str | None = Field(None, description="destination table; defaults to the entity name")
    master: Master = Field(Master.ONEC, description="who owns the data")
    direction: Direction = Field(Direction.ONEC_TO_APP, description="which way changes flow")
    schedule: str = Field("manual", description="cron expression, `webhook` or `manual`")
    incremental: IncrementalStrategy = Field(
        IncrementalStrategy.DATA_VERSION, description="how changed rows are found"
    )
    modified_field: str | None = Field(
        None, description="1C date attribute for `incremental: modified_field`"
    )
    overlap_seconds: int = Field(
        300,
        ge=0,
        description="`modified_field`: re-read this many seconds before the newest stored value",
    )
    exchange_plan: ExchangePlanNode | None = Field(
        None, description="plan and node for `incremental: exchange_plan`"
    )
    keyset: str | None = Field(
        None, description="scalar 1C field for keyset paging (Code, Date, Period); $skip if none"
    )
    key: list[str] = Field(default_factory=lambda: ["id"], description="destination key column(s)")
    fields: dict[str, FieldSpec] = Field(
        description="column -> 1C property: `sku: Артикул` or `{from: …, type: …}`"
    )
    deletes: DeleteRule = Field(DeleteRule.SOFT, description="what a deletion in 1C does")
    deletion_flag: str | None = Field(
        None, description="column holding DeletionMark; physical deletes set it under `soft`"
    )
    conflict: Conflict = Field(Conflict.MASTER_WINS, description="which change wins")
    on_mismatch: OnMismatch = Field(OnMismatch.ALERT, description="reaction to a mismatch")
    errors: ErrorPolicy = Field(
        default_factory=ErrorPolicy, description="retries, dead letters, alert channel"
    )
    page_size: int | None = Field(
        None, ge=1, le=100_000, description="rows per request; `onec.page_size` when omitted"
    )
    filter: str | None = Field(None, description="extra OData $filter applied to every read")

    @field_validator("fields", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({"from": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @field_validator("fields")
    @classmethod
    def _column_names(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for column in value:
            if not IDENTIFIER.match(column):
                raise ValueError(f"column name {column!r} must be lower snake_case (a-z, 0-9, _)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Entity:
        missing = [column for column in self.key if column not in self.fields]
        if missing:
            raise ValueError(
                f"key column(s) {missing} are not among the fields {list(self.fields)}"
            )
        if self.incremental is IncrementalStrategy.MODIFIED_FIELD and not self.modified_field:
            raise ValueError(
                "incremental: modified_field needs `modified_field: <1C date attribute>`"
            )
        if self.incremental is IncrementalStrategy.EXCHANGE_PLAN and not self.exchange_plan:
            raise ValueError(
                "incremental: exchange_plan needs `exchange_plan: {plan: <plan>, node: <code>}`"
            )
        if self.deletion_flag and self.deletion_flag not in self.fields:
            raise ValueError(f"deletion_flag {self.deletion_flag!r} is not among the fields")
        self._check_tabular_strategy()
        return self

    def _check_tabular_strategy(self) -> None:
        """A tabular section is read through its owners: ``data_version`` (by the owners'
        DataVersion) or ``full``; what 1C registers or dates are owners, not lines."""
        odata = (self.source.odata or "").strip()
        if "/" in odata or tabular_parts(odata) is None:
            return
        strategy = self.incremental
        if strategy in (IncrementalStrategy.EXCHANGE_PLAN, IncrementalStrategy.MODIFIED_FIELD):
            raise ValueError(
                f"incremental: {strategy.value} is not supported for the tabular section "
                f"{odata}: its lines are read through their owners, which 1C registers and "
                "dates, not the lines; use `incremental: data_version` (the owners' "
                "DataVersion tells which ones changed) or `incremental: full`"
            )

    def key_sources(self) -> list[str]:
        return [self.fields[column].source for column in self.key]


class DatabaseSettings(BaseModel):
    """The application database the entities are written to."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field("sqlite:///onec_bridge.db", description="SQLAlchemy URL of the app database")
    state_prefix: str = Field("onec_bridge_", description="prefix of the bridge-state tables")


class Contract(BaseModel):
    """A whole exchange contract."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(1, description="contract format version")
    name: str = Field("onec-bridge", description="name of this exchange in logs and metrics")
    onec: OneCSettings = Field(description="the 1C base: address, login, limits")
    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="the app database"
    )
    alerts: dict[str, AlertSettings] = Field(
        default_factory=dict, description="alert channels by name"
    )
    entities: dict[str, Entity] = Field(description="the exchanged entities by name")

    @model_validator(mode="after")
    def _references_exist(self) -> Contract:
        for name, entity in self.entities.items():
            for column, spec in entity.fields.items():
                if spec.references and spec.references not in self.entities:
                    raise ValueError(
                        f"entities.{name}.fields.{column}.references: unknown entity "
                        f"{spec.references!r}; known: {sorted(self.entities)}"
                    )
        return self

    def exchange_node_of(self, name: str) -> tuple[str, str] | None:
        """``(exchange-plan set, node code)`` feeding entity ``name``, when it is synced by
        ``incremental: exchange_plan``. Entities that share a node are synced together: a
        confirmation drops the node's whole packet, so every one of them must apply it first."""
        entity = self.entities[name]
        node = entity.exchange_plan
        if node is None or entity.incremental is not IncrementalStrategy.EXCHANGE_PLAN:
            return None
        return node.entity_set, node.node.strip()

    def node_partners(self, name: str) -> list[str]:
        """The entities fed by the same exchange-plan node as ``name`` (``name`` included, in
        contract order); just ``name`` for an entity not synced by an exchange plan."""
        node = self.exchange_node_of(name)
        if node is None:
            return [name]
        return [other for other in self.entities if self.exchange_node_of(other) == node]

    def table_of(self, entity_name: str) -> str:
        return self.entities[entity_name].table or entity_name
