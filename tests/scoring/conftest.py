"""Scoring tests: builders of snapshot/check/probe documents are in scoring_builders.py.

The database fixtures (`test_env`, `db`) come from tests/conftest.py: a private MONGO_DB per session.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

from scoring_builders import load_world  # noqa: E402


@pytest.fixture()
def world(db):
    load_world(db)
    return db
