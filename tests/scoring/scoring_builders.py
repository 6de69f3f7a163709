"""Builders of input documents in the shape of the crawler's contract (/tmp/snapshot-schema.md)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from scoring.observations import DISCLOSURE, FEATURES

UTC = dt.timezone.utc
T0 = dt.datetime(2007, 12, 20, 2, 0, tzinfo=UTC)
EVAL = dt.date(2007, 12, 20)


def column(name: str, url: str, *, cls: str = "news", age: int | None = 3, blank: bool = False, level: int = 1,
           stale: bool | None = None, long_overdue: bool | None = None) -> dict[str, Any]:
    newest = None if (blank or age is None) else (EVAL - dt.timedelta(days=age)).isoformat()
    limit = {"news": 14, "notice_policy": 180, "personnel_plan": 365, "interaction": 90}.get(cls)
    return {"name": name, "url": url, "level": level, "parent": None, "class": cls, "item_count": 0 if blank else 12,
            "newest_date": newest, "age_days": None if newest is None else age, "blank": blank,
            "stale": (bool(limit and age is not None and age > limit) if stale is None else stale) and not blank,
            "long_overdue": bool(age and age > 365) if long_overdue is None else long_overdue,
            "has_children": False, "fetched": True, "list_pages": 1, "error": None}


def snapshot(site_id: str, *, quality: float = 1.0, run_id: str = "run1", group: str = "county",
             started_at: dt.datetime = T0, reachable: bool = True, name: str | None = None, **over: Any) -> dict[str, Any]:
    """A snapshot whose observations get better with ``quality`` (0..1), deterministic."""
    host = f"www.{site_id}.gov.cn"
    url = f"http://{host}/"
    doc: dict[str, Any] = {
        "_id": f"{run_id}:{site_id}", "run_id": run_id, "site_id": site_id, "name": name or f"站点{site_id}",
        "group": group, "url": url, "eval_date": EVAL.isoformat(), "started_at": started_at,
        "built_at": started_at + dt.timedelta(minutes=5), "reachable": reachable,
    }
    if not reachable:
        doc.update(failure={"kind": "dns", "reason": "域名无法解析 DNS lookup failed", "detail": f"{host}: NXDOMAIN", "status": None},
                   domain={"host": host, "gov_cn": True, "https": False}, pages={"fetched": 0, "failed": 1, "by_role": {}},
                   homepage={"url": url, "final_url": None, "status": None, "seconds": None, "size": 0, "title": None,
                             "site_name": None, "encoding": None, "legal_name_shown": False},
                   identity=None, nav_columns=[], nav_script_built=False, columns=[], homepage_latest=None, freshness=None,
                   future_items=[], disclosure=[], disclosure_names=[], features=[], feature_names=[], emails=[],
                   broken_links=[], board_messages=[])
        doc.update(over)
        return doc
    nd = round(quality * len(DISCLOSURE))
    nf = round(quality * len(FEATURES))
    disc = [{"name": n, "url": f"{url}xxgk/{i}/", "label": n, "found_on": url} for i, n in enumerate(DISCLOSURE[:nd])]
    feats = [{"name": n, "url": f"{url}hd/{i}/", "label": n, "found_on": url} for i, n in enumerate(FEATURES[:nf])]
    n_stale = round((1 - quality) * 6)
    n_blank = round((1 - quality) * 4)
    cols = [column(f"栏目{i}", f"{url}col{i}/", age=3 if i >= n_stale else 40) for i in range(10)]
    cols += [column(f"空栏目{i}", f"{url}blank{i}/", blank=True) for i in range(n_blank)]
    home_age = round(1 + (1 - quality) * 30)
    doc.update(
        failure=None, domain={"host": host, "gov_cn": quality >= 0.3, "https": quality >= 0.6},
        pages={"fetched": 40, "failed": 0, "by_role": {"home": 1, "column": 20, "article": 19, "link": 0}},
        homepage={"url": url, "final_url": url, "status": 200, "seconds": round(0.3 + (1 - quality) * 3, 2), "size": 30000,
                  "title": doc["name"], "site_name": doc["name"], "encoding": "utf-8", "legal_name_shown": quality >= 0.5},
        identity={"site_code": "6104000001" if quality >= 0.5 else None, "icp": "陕ICP备05001234号" if quality >= 0.2 else None,
                  "psb": "61040202000123" if quality >= 0.7 else None, "party_badge": quality >= 0.8},
        nav_columns=[c["name"] for c in cols], nav_script_built=quality < 0.2, columns=cols,
        homepage_latest={"title": "新闻", "url": f"{url}col0/1.html", "date": (EVAL - dt.timedelta(days=home_age)).isoformat(),
                         "date_method": "list"},
        freshness={"homepage_latest_date": (EVAL - dt.timedelta(days=home_age)).isoformat(), "homepage_age_days": home_age,
                   "homepage_stale": home_age > 14, "columns_total": len(cols), "blank_columns": n_blank,
                   "stale_columns": sum(c["stale"] for c in cols), "long_overdue_columns": 0, "undated_columns": 0},
        future_items=[], disclosure=disc, disclosure_names=[d["name"] for d in disc], features=feats,
        feature_names=[f["name"] for f in feats],
        emails=[{"address": f"ask@{site_id}.gov.cn", "form": "mailto", "context": "咨询", "url": f"{url}lxwm/"}] if quality >= 0.4 else [],
        broken_links=[{"url": f"{url}dead{i}.html", "status": 404, "kind": "http", "role": "article"} for i in range(round((1 - quality) * 4))],
        board_messages=[],
    )
    doc.update(over)
    return doc


def checks(site_id: str, *, n: int = 140, failures: int = 0, start: dt.datetime = T0 - dt.timedelta(days=7)) -> list[dict[str, Any]]:
    step = dt.timedelta(days=7) / n
    return [{"site_id": site_id, "at": start + i * step, "ok": i >= failures, "status": 200 if i >= failures else None,
             "seconds": 0.5, "error_kind": None if i >= failures else "timeout", "round": i} for i in range(n)]


def probe(site_id: str, *, campaign: str = "c1", outcome: str = "replied", delay_workdays: float = 1.0, quality: int = 90) -> dict[str, Any]:
    replied = outcome == "replied"
    return {"_id": f"{campaign}:{site_id}", "campaign": campaign, "site_id": site_id, "token": f"tok-{site_id}",
            "to": f"ask@{site_id}.gov.cn", "state": "sent", "sent_at": T0 - dt.timedelta(days=20),
            "result": {"outcome": outcome, "replied": replied, "bounced": outcome == "bounced",
                       "delay_hours": delay_workdays * 24 if replied else None, "delay_workdays": delay_workdays if replied else None,
                       "quality": quality if replied else None, "first_reply_at": T0 - dt.timedelta(days=19) if replied else None}}


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


#: The end of the evaluation window the world is scored at (CLI --as-of).
AS_OF = "2007-12-21"
