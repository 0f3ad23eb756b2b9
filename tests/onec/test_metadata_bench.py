"""A 15 MB $metadata (the real sample scaled up) parses in under 2 s."""

from __future__ import annotations

import re
import time

import pytest

from onec_bridge.onec.metadata import parse_metadata
from tests.samples import METADATA_SAMPLE

SAMPLE = METADATA_SAMPLE
TARGET_BYTES = 15 * 1024 * 1024
_DECLARATION = re.compile(r'(<(?:EntityType|ComplexType|Association|EnumType) Name=")([^"]+)"')


def scaled_metadata(target_bytes: int = TARGET_BYTES) -> tuple[bytes, int]:
    """The sample's Schema body repeated with renamed types until ``target_bytes``.

    Returns the document and the number of copies (each adds 19 entity types).
    """
    text = SAMPLE.read_text("utf-8")
    head, _, rest = text.partition("<EntityType ")
    body, _, tail = ("<EntityType " + rest).rpartition("</Schema>")
    copies = max(1, target_bytes // len(body.encode()) + 1)
    parts = [
        _DECLARATION.sub(lambda match, n=index: f'{match[1]}{match[2]}_{n}"', body)
        for index in range(copies)
    ]
    return (head + "".join(parts) + "</Schema>" + tail).encode(), copies


def test_scaled_document_is_what_the_bench_measures() -> None:
    document, copies = scaled_metadata(target_bytes=400_000)
    schema = parse_metadata(document)
    assert len(schema.entity_types) == 19 * copies
    assert schema.entity_types["Catalog_Организации_1"].key == ("Ref_Key",)


@pytest.mark.bench
def test_parse_15mb_metadata_under_two_seconds() -> None:
    document, copies = scaled_metadata()
    started = time.perf_counter()
    schema = parse_metadata(document)
    elapsed = time.perf_counter() - started
    print(
        f"\n$metadata {len(document) / 1e6:.1f} MB: {len(schema.entity_types)} entity types, "
        f"{len(schema.complex_types)} complex types parsed in {elapsed:.2f} s"
    )
    assert len(schema.entity_types) == 19 * copies
    assert elapsed < 2.0
