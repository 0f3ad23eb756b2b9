"""POST / PATCH / PUT / DELETE on catalogs and documents, as 1C answers them.

Create answers 201 with ``Location`` (percent-encoded: headers are latin-1) and the full
entity, including a generated ``Code`` or ``Number``. PATCH and PUT answer 200 with the
full entity. DELETE deletes physically. Tabular sections are written whole: the array
replaces the object's rows (PUT without it empties the section). ``If-Match`` carries
the raw ``DataVersion``; a stale one gives 412. Unknown properties are ignored;
``Nav@odata.bind`` sets ``Nav_Key``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote as url_quote

import orjson

from onec_bridge.emulator.errors import ODataError, internal_error, not_supported
from onec_bridge.emulator.model import EdmType, EntitySet, ObjectKind, Property
from onec_bridge.emulator.read_handlers import entity_reply, find_row
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.request_context import RequestContext
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.values import default_storage_value, pad_fixed
from onec_bridge.emulator.wire_values import storage_value

__all__ = ["create_entity", "delete_entity", "update_entity"]

_READ_ONLY = frozenset({"Ref_Key", "DataVersion", "Posted", "Predefined", "PredefinedDataName"})
_BIND_TARGET = re.compile(r"(?:^|/)(\w+)\(guid'([0-9a-fA-F-]{36})'\)$")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)\s*$")
_LINE_NUMBER = Property("LineNumber", EdmType.INT64, nullable=False)


def _payload(ctx: RequestContext) -> dict[str, Any]:
    try:
        payload = orjson.loads(ctx.body or b"{}")
    except orjson.JSONDecodeError as error:
        raise ODataError(400, "2", f"Неправильный формат запроса: {error}") from None
    if not isinstance(payload, dict):
        raise ODataError(400, "2", "Неправильный формат запроса: ожидается объект JSON.")
    return payload


def _bound_key(entity_set: EntitySet, name: str, value: Any) -> tuple[str, str]:
    navigation = name.removesuffix("@odata.bind")
    prop = entity_set.get_property(f"{navigation}_Key")
    match = _BIND_TARGET.search(value) if isinstance(value, str) else None
    if prop is None or match is None or match.group(1) != prop.ref_to:
        raise ODataError(
            400,
            "4",
            f"Неправильное значение свойства '{name}': {value!r} "
            f"(ожидается {prop.ref_to if prop else 'ссылка'}(guid'…')).",
        )
    return prop.name, match.group(2).lower()


def _changes(ctx: RequestContext, entity_set: EntitySet, payload: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in payload.items():
        if name.endswith("@odata.bind"):
            key_name, ref = _bound_key(entity_set, name, value)
            changes[key_name] = ref
            continue
        prop = entity_set.get_property(name)
        if prop is None or name in _READ_ONLY:
            continue  # 1C ignores properties it does not know
        changes[name] = storage_value(ctx.base.configuration, prop, value)
    return changes


def _section_rows(
    ctx: RequestContext, entity_set: EntitySet, payload: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """Whole tabular sections sent with the object (storage form, without the owner key).

    Each row needs ``LineNumber``; a row without it is 1C's 500 with code ``-1``.
    ``Товары@odata.type`` is accepted and ignored like other unknown names.
    """
    sections: dict[str, list[dict[str, Any]]] = {}
    for section in entity_set.tabular_sections:
        rows = payload.get(section.name)
        if rows is None:
            continue
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ODataError(
                400,
                "4",
                f"Неправильное значение свойства '{section.name}': ожидается массив строк.",
            )
        converted = []
        for row in rows:
            if row.get("LineNumber") in (None, ""):
                raise internal_error()
            values = {
                "LineNumber": storage_value(ctx.base.configuration, _LINE_NUMBER, row["LineNumber"])
            }
            for prop in section.properties:
                if prop.name in row:
                    values[prop.name] = storage_value(ctx.base.configuration, prop, row[prop.name])
                else:
                    values[prop.name] = default_storage_value(prop)
            converted.append(values)
        sections[section.name] = converted
    return sections


def _write_sections(
    ctx: RequestContext,
    entity_set: EntitySet,
    ref_key: str,
    sections: dict[str, list[dict[str, Any]]],
) -> None:
    for name, rows in sections.items():
        table = f"{entity_set.name}_{name}"
        ctx.base.replace_rows(
            table, {"Ref_Key": ref_key}, [{"Ref_Key": ref_key, **row} for row in rows]
        )


def _next_number(ctx: RequestContext, entity_set: EntitySet, column: str, length: int) -> str:
    table, name = quote(entity_set.name), quote(column)
    last = ctx.base.scalar(f"SELECT {name} FROM {table} ORDER BY {name} DESC LIMIT 1")
    match = _TRAILING_NUMBER.match(str(last or ""))
    if match is None:
        return pad_fixed(str(1).zfill(length), length)
    prefix, digits = match.groups()
    return pad_fixed(prefix + str(int(digits) + 1).zfill(len(digits)), length)


def _fill_generated(ctx: RequestContext, entity_set: EntitySet, changes: dict[str, Any]) -> None:
    for column, length in (("Code", entity_set.code_length), ("Number", entity_set.number_length)):
        if length and not str(changes.get(column, "")).strip():
            changes[column] = _next_number(ctx, entity_set, column, length)


def _location(ctx: RequestContext, key_text: str) -> str:
    return url_quote(f"{ctx.root_url}/{key_text}", safe=":/()'=,")


def _check_writable(entity_set: EntitySet) -> None:
    if entity_set.key != ("Ref_Key",) or entity_set.kind not in (
        ObjectKind.CATALOG,
        ObjectKind.DOCUMENT,
        ObjectKind.EXCHANGE_PLAN,
    ):
        raise not_supported(f"запись в {entity_set.name} этим способом")


def create_entity(ctx: RequestContext, entity_set: EntitySet) -> Reply:
    _check_writable(entity_set)
    payload = _payload(ctx)
    changes = _changes(ctx, entity_set, payload)
    sections = _section_rows(ctx, entity_set, payload)
    ref = payload.get("Ref_Key")
    if ref:
        changes["Ref_Key"] = storage_value(ctx.base.configuration, entity_set.properties[0], ref)
        if ctx.base.get_row(entity_set.name, changes["Ref_Key"]) is not None:
            raise ODataError(400, "15", f"Объект с ключом {changes['Ref_Key']} уже существует.")
    _fill_generated(ctx, entity_set, changes)
    new_ref = ctx.base.insert_objects(entity_set.name, [changes])[0]
    _write_sections(ctx, entity_set, new_ref, sections)
    row = find_row(ctx, entity_set, {"Ref_Key": new_ref})
    location = _location(ctx, ctx.base.shape(entity_set.name).key_text(row))
    return entity_reply(ctx, entity_set, row, status=201, headers={"Location": location})


def _check_if_match(ctx: RequestContext, entity_set: EntitySet, row: tuple[Any, ...]) -> None:
    expected = ctx.headers.get("if-match")
    if expected is None:
        return
    names = [prop.name for prop in entity_set.properties]
    current = row[names.index("DataVersion")]
    if expected.strip().removeprefix("W/").strip('"') not in ("*", current):
        raise ODataError(
            412, "-1", "Версия объекта изменилась: DataVersion не совпадает с If-Match."
        )


def update_entity(
    ctx: RequestContext, entity_set: EntitySet, key: dict[str, Any], replace: bool
) -> Reply:
    """PATCH/MERGE (``replace`` False) or PUT (``replace`` True: missing properties reset)."""
    _check_writable(entity_set)
    row = find_row(ctx, entity_set, key)
    _check_if_match(ctx, entity_set, row)
    payload = _payload(ctx)
    changes = _changes(ctx, entity_set, payload)
    sections = _section_rows(ctx, entity_set, payload)
    if replace:
        sections = {s.name: sections.get(s.name, []) for s in entity_set.tabular_sections}
        for prop in entity_set.properties:
            if prop.name not in _READ_ONLY and prop.name not in changes:
                changes[prop.name] = (
                    row[entity_set.properties.index(prop)]
                    if prop.name in ("Code", "Number")
                    else default_storage_value(prop)
                )
    ctx.base.update_object(entity_set.name, key["Ref_Key"], changes)
    _write_sections(ctx, entity_set, key["Ref_Key"], sections)
    return entity_reply(ctx, entity_set, find_row(ctx, entity_set, key))


def delete_entity(ctx: RequestContext, entity_set: EntitySet, key: dict[str, Any]) -> Reply:
    _check_writable(entity_set)
    row = find_row(ctx, entity_set, key)
    _check_if_match(ctx, entity_set, row)
    ctx.base.delete_object(entity_set.name, key["Ref_Key"])
    return Reply(204, b"", None)
