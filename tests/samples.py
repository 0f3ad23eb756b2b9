"""Where the real captured 1C responses are: `shared/samples/` beside the project checkout."""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "samples"
SAMPLES = Path(os.environ.get("ONEC_BRIDGE_SAMPLES", str(_DEFAULT)))
SAMPLES_1C = SAMPLES / "1c"
METADATA_SAMPLE = SAMPLES_1C / "datareducer_metadata.xml"

if not METADATA_SAMPLE.is_file():  # pragma: no cover - a broken checkout layout
    raise RuntimeError(
        f"real 1C samples not found at {SAMPLES_1C}; the tests expect shared/samples beside the "
        "project folder, or ONEC_BRIDGE_SAMPLES pointing at it"
    )
