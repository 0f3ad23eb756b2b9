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
    "FieldSpec",
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
    data_version: list Ref_Key + DataVersion, fetch only new or changed objects, detect deletes.
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


class Source(BaseModel):
    """Where the entity lives in 1C."""

    model_config = ConfigDict(extra="forbid")

    odata: str | None = Field(None, description="entity set, e.g. `Catalog_Номенклатура`")
    http_service: str | None = Field(None, description="`GET /root/template` returning a list")
    commerceml: str | None = Field(None, description="CommerceML document: `catalog`, `offers`")

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        given = [name for name in ("odata", "http_service", "commerceml") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of odata, http_service, commerceml")
        return self


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
        if self.deletion_flag and self.deletion_flag not in self.fields:
            raise ValueError(f"deletion_flag {self.deletion_flag!r} is not among the fields")
        return self

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

    def table_of(self, entity_name: str) -> str:
        return self.entities[entity_name].table or entity_name
