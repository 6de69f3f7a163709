from __future__ import annotations

import datetime as dt

from scoring import rollup
from scoring_builders import checks

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
START, END = NOW - dt.timedelta(days=30), NOW + dt.timedelta(minutes=1)


def totals(db, start=START, end=END):
    out = {}
    for r in rollup.read(db, start, end):
        a = out.setdefault(r["site_id"], [0, 0])
        a[0] += r["n"]
        a[1] += r["bad"]
    return out


def test_rollup_is_incremental_and_exact(db):
    week_ago = NOW - dt.timedelta(days=7) + dt.timedelta(minutes=70)  # the last check is 2 minutes old
    db.checks.insert_many(checks("a", failures=3, start=week_ago) + checks("b", start=week_ago))
    assert totals(db) == {"a": [140, 3], "b": [140, 0]}  # nothing rolled up yet: all from the live tail
    r = rollup.refresh(db, now=NOW)
    assert r["rolled"] == 278  # the last ten minutes stay in the tail
    assert db.scores.count_documents({"kind": "checks_day"}) >= 2 * 7
    assert totals(db) == {"a": [140, 3], "b": [140, 0]}  # rollup + tail, no double count
    # a new uptime round arrives; the next refresh adds only what is new
    db.checks.insert_many([{"site_id": "a", "at": NOW - dt.timedelta(minutes=1), "ok": False, "seconds": None}])
    assert totals(db) == {"a": [141, 4], "b": [140, 0]}
    later = NOW + dt.timedelta(minutes=20)
    assert rollup.refresh(db, now=later)["rolled"] == 280 - r["rolled"] + 1
    assert rollup.refresh(db, now=later)["rolled"] == 0
    assert totals(db) == {"a": [141, 4], "b": [140, 0]}
    first_day = db.scores.find_one({"_id": f"checks_day:a:{week_ago.date()}"})
    # the 3 failures are 72 min apart: late in a UTC day some of them fall on the next day's cell
    step = dt.timedelta(days=7) / 140
    same_day = sum(1 for i in range(3) if (week_ago + i * step).date() == week_ago.date())
    assert first_day["bad"] == same_day and first_day["first_bad"] == week_ago


def test_backfilled_checks_need_a_rebuild_and_a_held_lease_is_respected(db):
    db.checks.insert_many(checks("a", start=NOW - dt.timedelta(days=8)))
    rollup.refresh(db, now=NOW)
    db.checks.insert_many(checks("a", n=5, start=NOW - dt.timedelta(days=3)))  # written late, with old times
    assert totals(db) == {"a": [140, 0]}
    rollup.rebuild(db)
    assert totals(db) == {"a": [143, 0]}  # the 3 backfilled checks inside the window
    db.scores.update_one({"_id": rollup.STATE_ID}, {"$set": {"lease_until": NOW + dt.timedelta(minutes=5)}}, upsert=True)
    assert rollup.refresh(db, now=NOW, wait_s=0.5).get("busy") is True
    assert totals(db) == {"a": [143, 0]}  # the 3 backfilled checks inside the window
