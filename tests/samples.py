"""Where the real captured 1C responses are: `shared/samples/` beside the project checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "samples"
SAMPLES = Path(os.environ.get("ONEC_BRIDGE_SAMPLES", str(_DEFAULT)))
SAMPLES_1C = SAMPLES / "1c"
METADATA_SAMPLE = SAMPLES_1C / "datareducer_metadata.xml"

if not METADATA_SAMPLE.is_file():  # pragma: no cover - a checkout without shared/
    _WHY = (
        f"real 1C samples not found at {SAMPLES_1C}; put shared/samples beside the project "
        "folder or point ONEC_BRIDGE_SAMPLES at it"
    )
    if os.environ.get("ONEC_BRIDGE_REQUIRE_SERVICES"):
        raise RuntimeError(_WHY)
    pytest.skip(_WHY, allow_module_level=True)
