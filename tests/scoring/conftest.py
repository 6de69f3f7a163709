"""Scoring tests: builders of snapshot/check/probe documents are in scoring_builders.py.

The database fixtures (`test_env`, `db`) come from tests/conftest.py: a private MONGO_DB per session.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datetime as dt  # noqa: E402

import pytest  # noqa: E402

from scoring_builders import T0, checks, probe, snapshot  # noqa: E402

#: (site id, group, quality or None when unreachable)
WORLD = [
    ("qindu", "county", 1.0), ("yongshou", "county", 0.9), ("weicheng", "county", 0.8), ("wugong", "county", 0.7),
    ("xunyi", "county", 0.6), ("sanyuan", "county", 0.5), ("liquan", "county", 0.35), ("changwu", "county", 0.2),
    ("renshi", "department", 1.0), ("weisheng", "department", 0.85), ("caizheng", "department", 0.7),
    ("jiaoyu", "department", 0.55), ("gongan", "department", 0.4), ("liangshi", "department", None),
    ("kexie", "department", None),
]


def load_world(db, *, with_checks=True, with_probes=True, run_id="run2") -> None:
    """Two crawl runs (the older one at T0-10d), checks for the first sites, probes for most."""
    old, snaps, chk, prb = "run1", [], [], []
    for i, (sid, group, q) in enumerate(WORLD):
        snaps.append(snapshot(sid, quality=q or 0, group=group, run_id=old, started_at=T0 - dt.timedelta(days=10),
                              reachable=q is not None))
        snaps.append(snapshot(sid, quality=q or 0, group=group, run_id=run_id, started_at=T0, reachable=q is not None))
        if q is None:
            continue
        if with_checks and i < 10:
            chk += checks(sid, failures=round((1 - q) * 12))
        if with_probes and i % 4 != 3:
            prb.append(probe(sid, outcome="replied" if q >= 0.5 else "bounced", delay_workdays=round(1 + (1 - q) * 8, 1),
                             quality=round(q * 100)))
    db.snapshots.insert_many(snaps)
    db.runs.insert_many([{"_id": old, "spider": "portals", "started_at": T0 - dt.timedelta(days=10), "status": "finished"},
                         {"_id": run_id, "spider": "portals", "started_at": T0, "status": "finished",
                          "site_ids": sorted(sid for sid, _g, _q in WORLD)}])
    db.sites.insert_many([{"_id": sid, "name": f"站点{sid}", "group": g, "url": f"http://www.{sid}.gov.cn/", "active": True}
                          for sid, g, _ in WORLD])
    if chk:
        db.checks.insert_many(chk)
    if prb:
        db.probes.insert_many(prb)


@pytest.fixture()
def world(db):
    load_world(db)
    return db


AS_OF = "2007-12-21"
