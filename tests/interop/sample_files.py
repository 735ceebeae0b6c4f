"""Where the sample files in published formats live (``samples/README.md``)."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"
