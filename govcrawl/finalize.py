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
    ops = []
    for sid in wanted:
        site = sites.get(sid)
        if site is None:
            logger.warning("run %s: site %s is no longer registered; no snapshot", run_id, sid)
            continue
        snap = build_snapshot(site, pages.get(sid, []), run)
        snap["built_at"] = datetime.now(timezone.utc)
        record_history(db, run, snap, pages.get(sid, []))
        ops.append(ReplaceOne({"_id": snap["_id"]}, snap, upsert=True))
    for i in range(0, len(ops), 200):
        db.snapshots.bulk_write(ops[i:i + 200], ordered=False)
    return len(ops)


def record_history(db: Database, run: dict[str, Any], snap: dict[str, Any], pages: list[dict[str, Any]]) -> None:
    """Add the change since the site's previous reachable run (``changes``) and the homepage item ledger's
    freshness keys (``freshness.homepage_new_items``, ``homepage_last_new_seen``, ...) to ``snap``, updating
    the ``homepage_items`` ledger; idempotent (govcrawl.changes does the comparing)."""
    from pymongo import UpdateOne

    from govcrawl import changes
    from govcrawl.clock import parse_iso_date
    from govcrawl.snapshot import freshness_rules

    snap["changes"] = None
    started, sid = run.get("started_at"), snap["site_id"]
    if not snap.get("reachable") or started is None:
        return
    prev = db.snapshots.find_one({"site_id": sid, "reachable": True, "started_at": {"$lt": started}},
                                 sort=[("started_at", -1), ("run_id", -1)])
    if prev is not None:
        prev_pages = list(db.pages.find(
            {"run_id": prev["run_id"], "site_id": sid, "role": {"$in": ["home", "column"]}},
            {"_id": 0, "role": 1, "url": 1, "column": 1, "error": 1, "facts.items": 1, "facts.pagination": 1},
        ).sort("url", 1))
        snap["changes"] = changes.compare(prev, prev_pages, snap, pages)
    items = changes.homepage_items(pages)
    first = {"at": started, "run_id": run["_id"], "eval_date": snap["eval_date"]}
    ids = []
    ops = []
    for it in items:
        key = changes.item_key(it)
        lid = changes.ledger_id(sid, key)
        ids.append(lid)
        ops.append(UpdateOne({"_id": lid}, {
            "$setOnInsert": {"site_id": sid, "key": key},
            "$min": {"first": first},
            "$max": {"last": {**first, "title": it.get("title"), "date": it.get("date")}},
        }, upsert=True))
    if ops:
        db.homepage_items.bulk_write(ops, ordered=False)
    base = db.homepage_items.find_one({"site_id": sid, "first.at": {"$lte": started}}, sort=[("first.at", 1), ("_id", 1)])
    if base is None or snap.get("freshness") is None:
        return
    baseline_at = base["first"]["at"]
    new = None
    if baseline_at < started:
        new = db.homepage_items.count_documents({"_id": {"$in": ids}, "first.run_id": run["_id"]})
    last = db.homepage_items.find_one({"site_id": sid, "first.at": {"$gt": baseline_at, "$lte": started}},
                                      sort=[("first.at", -1), ("_id", 1)])
    today = parse_iso_date(snap["eval_date"]) or datetime.now(timezone.utc).date()
    snap["freshness"].update(changes.ledger_freshness(
        today, new, base["first"]["eval_date"], last["first"]["eval_date"] if last else None,
        freshness_rules()["homepage_stale_days"]))
