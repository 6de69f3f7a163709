"""Scoring: indicator models as data files, pure scoring functions, rankings per group, imports and exports.

Flow: ``observations`` reads snapshots, checks and probes (MongoDB aggregation where the data lives) into
per-site observation records; ``indicators`` and ``vetoes`` turn them into points with the evidence behind
every point; ``rank`` ranks per group; ``export`` writes CSV, XLSX, JSON and the HTML report.
"""
from __future__ import annotations


class ScoringError(RuntimeError):
    """Base error of the scoring package; messages name the file, site or model at fault."""
