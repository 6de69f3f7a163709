"""Run bookkeeping and snapshot building in MongoDB (the I/O side of govcrawl.snapshot)."""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any, Iterable

from pymongo import ReplaceOne
from pymongo.database import Database

from govcrawl.registry import Site
from govcrawl.snapshot import build_snapshot

logger = logging.getLogger(__name__)


def open_run(db: Database, run_id: str, *, spider: str, eval_date: date, site_ids: list[str],
             settings: dict[str, Any]) -> dict[str, Any]:
    """Create the run document, or mark an interrupted one as running again (resume)."""
    now = datetime.now(timezone.utc)
    db.runs.update_one(
        {"_id": run_id},
        {"$setOnInsert": {"started_at": now, "spider": spider, "eval_date": eval_date.isoformat(),
                          "site_ids": site_ids, "settings": settings},
         "$set": {"status": "running", "resumed_at": now},
         "$inc": {"attempts": 1}},
        upsert=True,
    )
    return db.runs.find_one({"_id": run_id})


def close_run(db: Database, run_id: str, reason: str, stats: dict[str, Any] | None = None) -> None:
    status = "finished" if reason == "finished" else "interrupted"
    db.runs.update_one({"_id": run_id}, {"$set": {
        "status": status, "close_reason": reason, "finished_at": datetime.now(timezone.utc),
        "stats": stats or {},
    }})


def build_run_snapshots(db: Database, run_id: str, site_ids: Iterable[str] | None = None) -> int:
    """(Re)build the snapshots of a run from its pages; idempotent.  Returns how many were written."""
    run = db.runs.find_one({"_id": run_id})
    if run is None:
        raise ValueError(f"unknown run {run_id!r}: see `python -m govcrawl runs`")
    wanted = list(site_ids) if site_ids is not None else list(run.get("site_ids") or [])
    sites = {d["_id"]: Site.from_doc(d) for d in db.sites.find({"_id": {"$in": wanted}})}
    pages: dict[str, list[dict[str, Any]]] = {sid: [] for sid in wanted}
    for page in db.pages.find({"run_id": run_id, "site_id": {"$in": wanted}}, {"_id": 0}).sort([("site_id", 1), ("url", 1)]):
        pages.setdefault(page["site_id"], []).append(page)
    snaps = []
    for sid in wanted:
        site = sites.get(sid)
        if site is None:
            logger.warning("run %s: site %s is no longer registered; no snapshot", run_id, sid)
            continue
        snap = build_snapshot(site, pages.get(sid, []), run)
        snap["built_at"] = datetime.now(timezone.utc)
        snaps.append(snap)
    record_history(db, run, snaps, pages)
    ops = [ReplaceOne({"_id": snap["_id"]}, snap, upsert=True) for snap in snaps]
    for i in range(0, len(ops), 200):
        db.snapshots.bulk_write(ops[i:i + 200], ordered=False)
    return len(ops)


def record_history(db: Database, run: dict[str, Any], snaps: list[dict[str, Any]],
                   pages: dict[str, list[dict[str, Any]]], chunk: int = 500) -> None:
    """Add to each snapshot the change since the site's previous reachable run (``changes``) and the homepage
    item ledger's freshness keys (``freshness.homepage_new_items``, ``homepage_last_new_seen``, ...), updating
    the ``homepage_items`` ledger; idempotent, a few batched queries per run (govcrawl.changes compares)."""
    from pymongo import UpdateOne

    from govcrawl import changes
    from govcrawl.clock import parse_iso_date
    from govcrawl.snapshot import freshness_rules

    for snap in snaps:
        snap["changes"] = None
    started, run_id = run.get("started_at"), run["_id"]
    reach = {s["site_id"]: s for s in snaps if s.get("reachable")}
    if started is None or not reach:
        return
    ids = sorted(reach)
    parts = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    # the previous reachable snapshot of each site, and its run's list pages
    prev: dict[str, dict[str, Any]] = {}
    for part in parts:
        for d in db.snapshots.aggregate([
            {"$match": {"site_id": {"$in": part}, "reachable": True, "started_at": {"$lt": started}}},
            {"$project": {"site_id": 1, "run_id": 1, "eval_date": 1, "started_at": 1, "columns.name": 1, "columns.url": 1}},
            {"$sort": {"site_id": 1, "started_at": -1, "run_id": -1}},
            {"$group": {"_id": "$site_id", "doc": {"$first": "$$ROOT"}}},
        ]):
            prev[d["_id"]] = d["doc"]
    by_run: dict[str, list[str]] = {}
    for sid, d in sorted(prev.items()):
        by_run.setdefault(d["run_id"], []).append(sid)
    prev_pages: dict[str, list[dict[str, Any]]] = {}
    for prev_run, sids in sorted(by_run.items()):
        for i in range(0, len(sids), chunk):
            for pg in db.pages.find(
                {"run_id": prev_run, "site_id": {"$in": sids[i:i + chunk]}, "role": {"$in": ["home", "column"]}},
                {"_id": 0, "site_id": 1, "role": 1, "url": 1, "column": 1, "error": 1, "facts.items": 1, "facts.pagination": 1},
            ).sort([("site_id", 1), ("url", 1)]):
                prev_pages.setdefault(pg["site_id"], []).append(pg)
    for sid, d in prev.items():
        reach[sid]["changes"] = changes.compare(d, prev_pages.get(sid, []), reach[sid], pages.get(sid, []))
    # the homepage item ledger: first and last run that showed each item
    first = {"at": started, "run_id": run_id}
    ops = []
    for sid in ids:
        snap = reach[sid]
        for it in changes.homepage_items(pages.get(sid, [])):
            key = changes.item_key(it)
            seen = {**first, "eval_date": snap["eval_date"]}
            ops.append(UpdateOne({"_id": changes.ledger_id(sid, key)}, {
                "$setOnInsert": {"site_id": sid, "key": key},
                "$min": {"first": seen},
                "$max": {"last": {**seen, "title": it.get("title"), "date": it.get("date")}},
            }, upsert=True))
    for i in range(0, len(ops), 1000):
        db.homepage_items.bulk_write(ops[i:i + 1000], ordered=False)
    stale_days = freshness_rules()["homepage_stale_days"]
    for part in parts:
        for r in db.homepage_items.aggregate([
            {"$match": {"site_id": {"$in": part}, "first.at": {"$lte": started}}},
            {"$group": {"_id": "$site_id", "base": {"$min": "$first"}, "last": {"$max": "$first"},
                        "new": {"$sum": {"$cond": [{"$eq": ["$first.run_id", run_id]}, 1, 0]}}}},
        ]):
            snap = reach[r["_id"]]
            if snap.get("freshness") is None:
                continue
            base, last = r["base"], r["last"]
            today = parse_iso_date(snap["eval_date"]) or datetime.now(timezone.utc).date()
            snap["freshness"].update(changes.ledger_freshness(
                today, r["new"] if base["at"] < started else None, base["eval_date"],
                last["eval_date"] if last["at"] > base["at"] else None, stale_days))
