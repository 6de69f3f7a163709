"""Daily availability rollups of ``checks``, kept up to date incrementally, so an evaluation never rescans them.

A month of checks for 15,000 sites is millions of documents; an aggregation over all of them takes longer
than a whole evaluation may on the embedded server (~30-50k documents/s).  Scoring therefore keeps, in
``scores``, one ``kind: checks_day`` document per site and UTC day (samples, failures, seconds of the
successful ones, first failure), and a state document saying up to which time checks are rolled up.

* ``refresh`` aggregates the checks whose ``at`` lies between the previous mark and ``margin`` seconds
  ago (``$match`` on ``at`` + ``$group`` per site and day, in MongoDB), adds them with ``$inc``, and moves
  the mark (a lease in the state document keeps two refreshes apart).
* ``read`` returns the rolled-up days of a window plus a live aggregation of the checks after the mark,
  so the figures are exact at any time.

Both need an index on ``checks.at`` to touch only the new checks (without it they are correct but scan
the collection).  A check written with an ``at`` older than the mark (a backfill) is not counted until
``rebuild`` (``python -m scoring rollup --rebuild``).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

logger = logging.getLogger(__name__)

STATE_ID = "rollup:checks"
KIND = "checks_day"
#: Checks younger than this are left to the live tail (a writer's batch may still be arriving).
MARGIN_S = float(os.environ.get("SCORING_ROLLUP_MARGIN_S", "600"))
LEASE_S = 600.0


def _group_stage() -> dict[str, Any]:
    return {"$group": {
        "_id": {"s": "$site_id", "d": {"$dateToString": {"format": "%Y-%m-%d", "date": "$at"}}},
        "n": {"$sum": 1},
        "bad": {"$sum": {"$cond": [{"$eq": ["$ok", True]}, 0, 1]}},
        "sec": {"$sum": {"$cond": [{"$eq": ["$ok", True]}, {"$ifNull": ["$seconds", 0]}, 0]}},
        "first_bad": {"$min": {"$cond": [{"$eq": ["$ok", True]}, None, "$at"]}},
    }}


def _state(db: Database) -> dict[str, Any]:
    try:
        db.scores.insert_one({"_id": STATE_ID, "kind": "rollup_state", "upto": None, "lease_until": None})
    except DuplicateKeyError:
        pass
    return db.scores.find_one({"_id": STATE_ID}) or {}


def refresh(db: Database, now: dt.datetime | None = None, margin_s: float | None = None, wait_s: float = 30.0) -> dict[str, Any]:
    """Roll up the checks inserted since the last refresh; returns {rolled, upto, seconds}."""
    t0 = time.perf_counter()
    now = now or dt.datetime.now(dt.timezone.utc)
    margin = MARGIN_S if margin_s is None else margin_s
    _state(db)
    deadline = time.monotonic() + wait_s
    while True:
        st = db.scores.find_one_and_update(
            {"_id": STATE_ID, "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]},
            {"$set": {"lease_until": now + dt.timedelta(seconds=LEASE_S)}}, return_document=ReturnDocument.BEFORE)
        if st is not None:
            break
        if time.monotonic() > deadline:
            logger.warning("checks rollup busy (another evaluation is refreshing it); reading without refreshing")
            return {"rolled": 0, "upto": (db.scores.find_one({"_id": STATE_ID}) or {}).get("upto"), "seconds": 0.0, "busy": True}
        time.sleep(0.5)
    try:
        upto = st.get("upto")
        cutoff = now - dt.timedelta(seconds=margin)
        if upto is not None and upto >= cutoff:
            db.scores.update_one({"_id": STATE_ID}, {"$set": {"lease_until": None}})
            return {"rolled": 0, "upto": upto, "seconds": time.perf_counter() - t0}
        rng: dict[str, Any] = {"$lt": cutoff}
        if upto is not None:
            rng["$gte"] = upto
        ops, rolled = [], 0
        # the first refresh reads every check: a collection scan beats walking the ``at`` index
        hint = {"hint": {"$natural": 1}} if upto is None else {}
        for r in db.checks.aggregate([{"$match": {"at": rng}}, _group_stage()], allowDiskUse=True, **hint):
            sid, day = r["_id"]["s"], r["_id"]["d"]
            upd: dict[str, Any] = {"$inc": {"n": r["n"], "bad": r["bad"], "sec": r["sec"] or 0.0},
                                   "$setOnInsert": {"kind": KIND, "site_id": sid, "day": day}}
            if r.get("first_bad") is not None:
                upd["$min"] = {"first_bad": r["first_bad"]}
            ops.append(UpdateOne({"_id": f"{KIND}:{sid}:{day}"}, upd, upsert=True))
            rolled += r["n"]
            if len(ops) >= 5000:
                db.scores.bulk_write(ops, ordered=False)
                ops = []
        if ops:
            db.scores.bulk_write(ops, ordered=False)
        db.scores.update_one({"_id": STATE_ID}, {"$set": {"upto": cutoff, "lease_until": None, "refreshed_at": now}})
        upto = cutoff
    except BaseException:
        db.scores.update_one({"_id": STATE_ID}, {"$set": {"lease_until": None}})
        raise
    return {"rolled": rolled, "upto": upto, "seconds": time.perf_counter() - t0}


def rebuild(db: Database) -> None:
    """Forget every rollup (the next refresh rolls up all checks again)."""
    db.scores.delete_many({"kind": KIND})
    db.scores.delete_many({"_id": STATE_ID})


def read(db: Database, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per site and day within [start, end]: {site_id, day, n, bad, sec, first_bad}; exact (rollup + live tail).

    The rolled-up part counts whole UTC days, so a window edge falls on day granularity for it.
    """
    upto = (db.scores.find_one({"_id": STATE_ID}) or {}).get("upto")
    d0, d1 = start.astimezone(dt.timezone.utc).date().isoformat(), end.astimezone(dt.timezone.utc).date().isoformat()
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    if upto is not None and upto > start:
        for r in db.scores.find({"kind": KIND, "day": {"$gte": d0, "$lte": d1}},
                                {"site_id": 1, "day": 1, "n": 1, "bad": 1, "sec": 1, "first_bad": 1, "_id": 0}):
            # order does not matter here: the cells are returned sorted by (site, day) below
            cells[(r["site_id"], r["day"])] = r
    lo = max(start, upto) if upto is not None else start
    if lo <= end:
        for r in db.checks.aggregate([{"$match": {"at": {"$gte": lo, "$lte": end}}}, _group_stage()], allowDiskUse=True):
            key = (r["_id"]["s"], r["_id"]["d"])
            c = cells.setdefault(key, {"site_id": key[0], "day": key[1], "n": 0, "bad": 0, "sec": 0.0, "first_bad": None})
            c["n"] += r["n"]
            c["bad"] += r["bad"]
            c["sec"] = (c.get("sec") or 0.0) + (r["sec"] or 0.0)
            fb = r.get("first_bad")
            if fb is not None and (c.get("first_bad") is None or fb < c["first_bad"]):
                c["first_bad"] = fb
    return [cells[k] for k in sorted(cells)]
