"""Shared fixtures: a tiny randomly initialised model with a real BPE tokenizer (no downloads)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny():
    """A fresh-per-session :class:`toolschool.models.LoadedModel` for ``tiny`` (float32)."""
    from toolschool.models import load_model

    return load_model("tiny")


@pytest.fixture()
def tiny_fresh():
    """A new tiny model per test (for tests that modify weights)."""
    from toolschool.models import load_model

    return load_model("tiny")
