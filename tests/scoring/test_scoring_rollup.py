from __future__ import annotations

import datetime as dt

from scoring import rollup
from scoring_builders import T0, checks

START, END = T0 - dt.timedelta(days=30), T0 + dt.timedelta(days=1)


def totals(db):
    out = {}
    for r in rollup.read(db, START, END):
        a = out.setdefault(r["site_id"], [0, 0])
        a[0] += r["n"]
        a[1] += r["bad"]
    return out


def test_rollup_is_incremental_and_exact(db):
    db.checks.insert_many(checks("a", failures=3) + checks("b"))
    assert totals(db) == {"a": [140, 3], "b": [140, 0]}  # nothing rolled up yet: all from the live tail
    r = rollup.refresh(db, margin_s=0)
    assert r["rolled"] == 280 and db.scores.count_documents({"kind": "checks_day"}) == 2 * 8
    db.checks.insert_many(checks("a", n=10, failures=10, start=T0 - dt.timedelta(days=8)))
    assert totals(db) == {"a": [150, 13], "b": [140, 0]}  # rollup + tail, no double count
    assert rollup.refresh(db, margin_s=0)["rolled"] == 10
    assert rollup.refresh(db, margin_s=0)["rolled"] == 0
    assert totals(db) == {"a": [150, 13], "b": [140, 0]}
    day = db.scores.find_one({"_id": f"checks_day:a:{(T0 - dt.timedelta(days=7)).date()}"})
    assert day["bad"] == 3 + 1 and day["first_bad"].isoformat().startswith("2007-12-13")


def test_recent_checks_wait_for_the_margin_and_a_held_lease_is_respected(db):
    db.checks.insert_many(checks("a"))
    assert rollup.refresh(db)["rolled"] == 0  # younger than the margin: left to the live tail
    assert totals(db) == {"a": [140, 0]}
    db.scores.update_one({"_id": rollup.STATE_ID}, {"$set": {"lease_until": dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)}})
    assert rollup.refresh(db, margin_s=0, wait_s=0.5).get("busy") is True
    rollup.rebuild(db)
    assert rollup.refresh(db, margin_s=0)["rolled"] == 140
