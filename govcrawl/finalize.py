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
        ops.append(ReplaceOne({"_id": snap["_id"]}, snap, upsert=True))
    for i in range(0, len(ops), 200):
        db.snapshots.bulk_write(ops[i:i + 200], ordered=False)
    return len(ops)
