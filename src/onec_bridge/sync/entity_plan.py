"""Everything the pull engine needs to know about one entity, derived once from the contract."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from onec_bridge.contract.model import Entity, IncrementalStrategy
from onec_bridge.mapping.converters import Converter, converter_for
from onec_bridge.mapping.onec_values import parse_onec_datetime
from onec_bridge.mapping.row_mapper import RowMapper
from onec_bridge.onec.literals import encode_literal

__all__ = ["EntityPlan"]

DATA_VERSION = "DataVersion"
DATE_KEYSETS = ("Date", "Period")


@dataclass
class EntityPlan:
    name: str
    entity: Entity
    table: sa.Table
    mapper: RowMapper
    page_size: int

    @classmethod
    def build(
        cls, name: str, entity: Entity, table: sa.Table, default_page_size: int
    ) -> EntityPlan:
        if entity.source.odata is None:
            raise NotImplementedError(
                f"entity {name}: only `source: {{odata: …}}` is pulled so far"
            )
        return cls(name, entity, table, RowMapper(entity), entity.page_size or default_page_size)

    @property
    def entity_set(self) -> str:
        assert self.entity.source.odata is not None
        return self.entity.source.odata

    @property
    def key_source(self) -> str:
        return self.entity.key_sources()[0]

    @property
    def key_converter(self) -> Converter:
        column = self.entity.key[0]
        return converter_for(self.entity.fields[column].resolved_type)

    @property
    def uses_data_version(self) -> bool:
        return self.entity.incremental is IncrementalStrategy.DATA_VERSION

    @property
    def order_by(self) -> tuple[str, ...]:
        return (self.entity.keyset,) if self.entity.keyset else tuple(self.entity.key_sources())

    def full_select(self) -> list[str]:
        fields = set(self.mapper.source_fields) | {DATA_VERSION}
        if self.entity.keyset:
            fields.add(self.entity.keyset)
        return sorted(fields)

    def listing_select(self) -> list[str]:
        fields = {self.key_source, DATA_VERSION}
        if self.entity.keyset:
            fields.add(self.entity.keyset)
        return sorted(fields)

    def row_key(self, row: dict[str, Any]) -> str:
        key = self.key_converter(row.get(self.key_source))
        return str(key)

    def resume_filter(self, cursor: Any) -> str | None:
        """$filter restarting a keyset listing after ``cursor``, plus the contract filter."""
        parts = []
        if self.entity.filter:
            parts.append(f"({self.entity.filter})")
        if cursor is not None and self.entity.keyset:
            value = parse_onec_datetime(cursor) if self.entity.keyset in DATE_KEYSETS else cursor
            parts.append(f"{self.entity.keyset} gt {encode_literal(value)}")
        return " and ".join(parts) or None

    def next_cursor(self, page: list[dict[str, Any]]) -> Any:
        if not self.entity.keyset or not page:
            return None
        return page[-1].get(self.entity.keyset)


def version_of(row: dict[str, Any]) -> str:
    """1C's DataVersion when the set has one, else a digest of the row's content."""
    version = row.get(DATA_VERSION)
    if isinstance(version, str) and version:
        return version
    digest = hashlib.blake2b(
        orjson.dumps(row, default=str, option=orjson.OPT_SORT_KEYS), digest_size=12
    )
    return digest.hexdigest()
