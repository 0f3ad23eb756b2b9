"""Everything the pull engine needs to know about one entity, derived once from the contract."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from onec_bridge.contract.model import Entity, IncrementalStrategy
from onec_bridge.mapping.columns import canonical_guids
from onec_bridge.mapping.converters import Converter, converter_for
from onec_bridge.mapping.onec_values import parse_onec_datetime
from onec_bridge.mapping.row_mapper import RowMapper
from onec_bridge.mapping.wire_rows import WireRow, column_reader
from onec_bridge.onec.literals import encode_literal
from onec_bridge.onec.pages import UNIQUE_KEYSET_COLUMNS
from onec_bridge.sync.source_kinds import SourceKind, SourceSpec, parse_source

__all__ = ["EntityPlan", "key_text", "version_of"]

DATA_VERSION = "DataVersion"
DATE_KEYSETS = ("Date", "Period")
UNIQUE_KEYSETS = ("Code",)


@dataclass
class EntityPlan:
    name: str
    entity: Entity
    table: sa.Table
    mapper: RowMapper
    page_size: int
    source: SourceSpec

    @classmethod
    def build(
        cls, name: str, entity: Entity, table: sa.Table, default_page_size: int
    ) -> EntityPlan:
        source = parse_source(entity.source, f"entities.{name}.source")
        plan = cls(
            name, entity, table, RowMapper(entity), entity.page_size or default_page_size, source
        )
        plan._check_strategy()
        return plan

    def _check_strategy(self) -> None:
        strategy, where = self.entity.incremental, f"entities.{self.name}"
        if strategy is IncrementalStrategy.EXCHANGE_PLAN and not self.single_ref_key:
            raise ValueError(
                f"{where}.incremental: exchange_plan registers objects by Ref_Key; "
                f"{self.source.kind.value} sources cannot use it (use full or data_version)"
            )
        if self.uses_owner_versions and sorted(self.key_sources) != ["LineNumber", "Ref_Key"]:
            raise ValueError(
                f"{where}.key: incremental: data_version on the tabular section "
                f"{self.entity.source.odata} finds removed lines by the owner's `Ref_Key` and "
                f"`LineNumber`, so the key must be mapped from exactly those two (e.g. `key: "
                "[owner_id, line_number]` with `owner_id: Ref_Key`, `line_number: {from: "
                f"LineNumber, type: integer}}`), not from {list(self.key_sources)}; map it "
                "so, or use `incremental: full`"
            )
        if strategy is IncrementalStrategy.MODIFIED_FIELD and self.modified_column is None:
            raise ValueError(
                f"{where}.modified_field: map `{self.entity.modified_field}` to a column "
                "(e.g. `modified_at: {from: " + str(self.entity.modified_field) + ", type: "
                "datetime}`); its largest value in the table is where the next run starts"
            )

    # -- where rows come from ---------------------------------------------------------------

    @property
    def entity_set(self) -> str:
        """The set listed: for a tabular section its owner's set."""
        return self.source.entity_set

    @property
    def has_data_version(self) -> bool:
        return self.source.has_data_version

    @property
    def single_ref_key(self) -> bool:
        return self.source.kind is SourceKind.OBJECT and self.key_sources == ("Ref_Key",)

    @property
    def uses_data_version(self) -> bool:
        return (
            self.entity.incremental is IncrementalStrategy.DATA_VERSION
            and self.has_data_version
            and self.single_ref_key
        )

    @property
    def uses_owner_versions(self) -> bool:
        """A tabular section synced by its owners' DataVersion (see ``sync.owner_versions``)."""
        return (
            self.source.kind is SourceKind.TABULAR
            and self.entity.incremental is IncrementalStrategy.DATA_VERSION
        )

    @property
    def keyset(self) -> str | None:
        if self.source.kind is SourceKind.TABULAR:
            return self.source.owner_keyset
        if self.source.kind in (SourceKind.OBJECT, SourceKind.REGISTER):
            return self.entity.keyset
        return None

    @property
    def order_by(self) -> tuple[str, ...]:
        """The listing's order: the keyset, then the key where the keyset may repeat. A
        unique keyset (``Code``, paged by ``gt``) orders alone: a tie-breaker changes no
        page and makes the server sort by two columns (the emulator: twice the time)."""
        tail = ("Ref_Key",) if self.source.kind is SourceKind.TABULAR else tuple(self.key_sources)
        keyset = self.keyset
        if keyset is None:
            return tail
        return (keyset,) if keyset in UNIQUE_KEYSET_COLUMNS else (keyset, *tail)

    def full_select(self) -> list[str]:
        if self.source.kind is SourceKind.TABULAR:
            fields = {"Ref_Key", self.source.owner_keyset, str(self.source.section)}
            if self.uses_owner_versions:
                fields.add(DATA_VERSION)
            return sorted(fields)
        fields = set(self.mapper.source_fields)
        if self.has_data_version:
            fields.add(DATA_VERSION)
        if self.keyset:
            fields.add(self.keyset)
        return sorted(fields)

    def listing_select(self) -> list[str]:
        """``data_version``'s listing: keys, versions, keyset (a tabular section: its owners')."""
        if self.source.kind is SourceKind.TABULAR:
            return sorted({"Ref_Key", DATA_VERSION, self.source.owner_keyset})
        fields = {*self.key_sources, DATA_VERSION}
        if self.keyset:
            fields.add(self.keyset)
        return sorted(fields)

    # -- keys ---------------------------------------------------------------------------------

    @property
    def key_sources(self) -> tuple[str, ...]:
        return tuple(self.entity.key_sources())

    @property
    def key_source(self) -> str:
        return self.key_sources[0]

    @property
    def key_converters(self) -> tuple[Converter, ...]:
        return tuple(
            converter_for(self.entity.fields[column].resolved_type) for column in self.entity.key
        )

    @functools.cached_property
    def key_reader(self) -> Any:
        """``row -> row key`` (text), built once per plan: it runs for every listed row."""
        sources, converters = self.key_sources, self.key_converters
        if len(sources) == 1:
            source, convert = sources[0], converters[0]
            return lambda row: str(convert(row.get(source)))
        pairs = tuple(zip(sources, converters, strict=True))
        return lambda row: key_text([convert(row.get(source)) for source, convert in pairs])

    def keys_of(self, rows: list[dict[str, Any]]) -> list[str]:
        """``key_reader`` over a page; a GUID key 1C sent in canonical form (lowercase, not
        the empty reference: what its converter returns unchanged) is checked for the whole
        page by one regex pass."""
        column = self.entity.key[0] if len(self.entity.key) == 1 else None
        if column is not None and self.entity.fields[column].resolved_type == "uuid":
            source = self.key_sources[0]
            values = list(map(column_reader(rows, source), rows))
            if canonical_guids(values) is values:  # canonical, none the empty reference
                return values
        return list(map(self.key_reader, rows))

    def row_key(self, row: dict[str, Any]) -> str:
        key: str = self.key_reader(row)
        return key

    def key_values(self, key: str) -> tuple[Any, ...]:
        """Column values of a row key made by :func:`key_text` (inverse, via the converters)."""
        converters = self.key_converters
        if len(converters) == 1:
            return (converters[0](key),)
        parts = orjson.loads(key)
        return tuple(convert(part) for convert, part in zip(converters, parts, strict=True))

    # -- cursors ------------------------------------------------------------------------------

    @property
    def modified_column(self) -> str | None:
        field = self.entity.modified_field
        for column, spec in self.entity.fields.items():
            if field and spec.source == field:
                return column
        return None

    def resume_filter(self, cursor: Any) -> str | None:
        """$filter restarting a keyset listing after ``cursor``, plus the contract filter."""
        parts = []
        if self.entity.filter:
            parts.append(f"({self.entity.filter})")
        keyset = self.keyset
        if cursor is not None and keyset:
            value = parse_onec_datetime(cursor) if keyset in DATE_KEYSETS else cursor
            # a repeating column (Date) may have split a tie at the checkpoint: read it again
            operator = "gt" if keyset in UNIQUE_KEYSETS else "ge"
            parts.append(f"{keyset} {operator} {encode_literal(value)}")
        return " and ".join(parts) or None

    def window_filter(self, since: datetime) -> str:
        """$filter of a ``modified_field`` run: rows changed at or after ``since``."""
        field = str(self.entity.modified_field)
        parts = [f"({self.entity.filter})"] if self.entity.filter else []
        parts.append(f"{field} ge {encode_literal(since)}")
        return " and ".join(parts)

    def window_start(self, newest: Any, resumed_at: Any) -> datetime | None:
        """Where a ``modified_field`` run starts: the resumed page's value, else the newest
        value stored minus the overlap window; None (a full load) when the table is empty."""
        if resumed_at is not None:
            return _as_datetime(resumed_at)
        moment = _as_datetime(newest)
        if moment is None:
            return None
        return moment - timedelta(seconds=self.entity.overlap_seconds)

    def next_cursor(self, page: list[dict[str, Any]]) -> Any:
        keyset = self.keyset
        if not keyset or not page:
            return None
        return page[-1].get(keyset)


def key_text(values: Sequence[Any]) -> str:
    """A composite key as text: a JSON array of its parts (dates ISO, the rest ``str``)."""
    parts = [
        None
        if value is None
        else value.isoformat()
        if isinstance(value, datetime | date)
        else str(value)
        for value in values
    ]
    return orjson.dumps(parts).decode()


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return parse_onec_datetime(str(value))


def version_of(row: dict[str, Any]) -> str:
    """1C's DataVersion when the set has one, else a digest of the row's content."""
    version = row.get(DATA_VERSION)
    if isinstance(version, str) and version:
        return version
    if isinstance(row, WireRow):
        row = row.to_dict()
    digest = hashlib.blake2b(
        orjson.dumps(row, default=str, option=orjson.OPT_SORT_KEYS), digest_size=12
    )
    return digest.hexdigest()
