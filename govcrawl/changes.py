"""Change between two crawl runs of a site, and the homepage item ledger (pure: pages and snapshots in).

* ``compare`` sets a run's per-column item lists (from its ``pages``) against the previous run's: items that
  are new, that disappeared (withdrawn while still within the pages crawled), that merely dropped off the
  crawled list pages (pushed down by newer ones), whose shown date changed, and that are dated after the
  evaluation date; columns added and removed.  Changed and future dates are forged-date flags for a person
  (V1).  The result is stored in the snapshot under ``changes``.
* ``ledger_key`` / ``ledger_freshness``: the ``homepage_items`` ledger keeps, per site, the first run that
  showed each homepage item (by URL, or by title when an item has no link), so that "no new homepage item
  for 2 weeks" (V3) is judged from what appeared, even on homepages that show no dates.

Items are keyed by URL (fragment dropped), else by title.  Dates are ISO calendar strings.
"""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Iterable

from govcrawl.clock import parse_iso_date
from govcrawl.urls import column_key

#: Items listed per column and kind in a snapshot's ``changes`` (the counts are always complete).
MAX_LISTED = 10
#: The keys the ledger adds to a snapshot's ``freshness``: they depend on the site's earlier runs, not on
#: this crawl alone (two crawls of the same pages differ only there).
LEDGER_KEYS = ("homepage_new_items", "homepage_last_new_seen", "homepage_ledger_since", "homepage_days_since_new",
               "homepage_stale_ledger")


def item_key(item: dict[str, Any]) -> str | None:
    url = (item.get("url") or "").split("#", 1)[0].strip()
    if url:
        return url
    title = " ".join((item.get("title") or "").split())
    return f"title:{title}" if title else None


def ledger_id(site_id: str, key: str) -> str:
    return f"{site_id}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]}"


def _brief(it: dict[str, Any]) -> dict[str, Any]:
    return {"title": it.get("title"), "url": it.get("url"), "date": it.get("date")}


def homepage_items(pages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items listed on the run's homepage (first successful home page), without duplicates."""
    homes = [p for p in pages if p.get("role") == "home" and not p.get("error") and p.get("facts")]
    if not homes:
        return []
    seen: dict[str, dict[str, Any]] = {}
    for it in homes[0]["facts"].get("items") or ():
        k = item_key(it)
        if k and k not in seen:
            seen[k] = _brief(it)
    return list(seen.values())


def column_items(pages: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per column (key: govcrawl.urls.column_key of the column URL): name, url, items of every crawled list
    page, and ``complete`` (the last list page fetched shows no next page: every item was seen)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in pages:
        if p.get("role") != "column" or p.get("error") or not p.get("facts"):
            continue
        col = p.get("column") or {}
        groups.setdefault(column_key(col.get("url") or p["url"]), []).append(p)
    out: dict[str, dict[str, Any]] = {}
    for key, group in groups.items():
        group.sort(key=lambda p: (p.get("column") or {}).get("page") or 1)
        items: dict[str, dict[str, Any]] = {}
        for p in group:
            for it in p["facts"].get("items") or ():
                k = item_key(it)
                if k and k not in items:
                    items[k] = _brief(it)
        col = group[0].get("column") or {}
        last = group[-1]["facts"]
        out[key] = {"name": col.get("name"), "url": col.get("url") or group[0]["url"], "items": items,
                    "complete": not (last.get("pagination") or {}).get("next")}
    return out


def _oldest(items: dict[str, dict[str, Any]]) -> str | None:
    return min((it["date"] for it in items.values() if it.get("date")), default=None)


def compare_items(prev: dict[str, dict[str, Any]], cur: dict[str, dict[str, Any]], today: date, *,
                  prev_complete: bool = True, cur_complete: bool = True) -> dict[str, list[dict[str, Any]]]:
    """new, disappeared, dropped_off, date_changed ({title, url, old, new}) and future items of one list."""
    prev_oldest, cur_oldest = _oldest(prev), _oldest(cur)
    out: dict[str, list[dict[str, Any]]] = {"new": [], "disappeared": [], "dropped_off": [], "date_changed": [], "future": []}
    for k, it in cur.items():
        if k in prev:
            old, new = prev[k].get("date"), it.get("date")
            if old and new and old != new:
                out["date_changed"].append({"title": it.get("title"), "url": it.get("url"), "old": old, "new": new})
        elif prev_complete or not (it.get("date") and prev_oldest and it["date"] <= prev_oldest):
            # an item no newer than the oldest the previous run's pages reached may have been beyond them
            out["new"].append(it)
        if it.get("date") and it["date"] > today.isoformat():
            out["future"].append(it)
    for k, it in prev.items():
        if k in cur:
            continue
        if cur_complete or (it.get("date") and cur_oldest and it["date"] > cur_oldest):
            out["disappeared"].append(it)  # newer than the oldest item crawled now: it should still be there
        else:
            out["dropped_off"].append(it)
    for v in out.values():
        v.sort(key=lambda x: (x.get("date") or x.get("new") or "", x.get("url") or ""), reverse=True)
    return out


def compare(prev_snapshot: dict[str, Any], prev_pages: list[dict[str, Any]], cur_snapshot: dict[str, Any],
            cur_pages: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``changes`` of ``cur_snapshot`` against the site's previous snapshot, from both runs' pages."""
    today = parse_iso_date(cur_snapshot.get("eval_date")) or date.today()
    prev_cols, cur_cols = column_items(prev_pages), column_items(cur_pages)
    prev_tree = {column_key(c["url"]): c for c in prev_snapshot.get("columns") or ()}
    cur_tree = {column_key(c["url"]): c for c in cur_snapshot.get("columns") or ()}
    columns, totals = [], {"new_items": 0, "disappeared_items": 0, "dropped_off": 0, "date_changed": 0, "future_items": 0}
    flags: list[dict[str, Any]] = []
    for key in sorted(set(prev_cols) & set(cur_cols)):
        p, c = prev_cols[key], cur_cols[key]
        diff = compare_items(p["items"], c["items"], today, prev_complete=p["complete"], cur_complete=c["complete"])
        counts = {"new": len(diff["new"]), "disappeared": len(diff["disappeared"]), "dropped_off": len(diff["dropped_off"]),
                  "date_changed": len(diff["date_changed"]), "future": len(diff["future"])}
        totals["new_items"] += counts["new"]
        totals["disappeared_items"] += counts["disappeared"]
        totals["dropped_off"] += counts["dropped_off"]
        totals["date_changed"] += counts["date_changed"]
        totals["future_items"] += counts["future"]
        name = (cur_tree.get(key) or {}).get("name") or c["name"]
        for d in diff["date_changed"]:
            flags.append({**d, "column": name, "reason": "date_changed"})
        for it in diff["future"]:
            flags.append({"title": it.get("title"), "url": it.get("url"), "old": None, "new": it.get("date"),
                          "column": name, "reason": "future"})
        if any(counts.values()):
            columns.append({"name": name, "url": c["url"], **counts,
                            **{f"{k}_items": diff[k][:MAX_LISTED] for k in ("new", "disappeared", "date_changed")}})
    added = [{"name": cur_tree[k].get("name"), "url": cur_tree[k]["url"]} for k in sorted(set(cur_tree) - set(prev_tree))]
    removed = [{"name": prev_tree[k].get("name"), "url": prev_tree[k]["url"]} for k in sorted(set(prev_tree) - set(cur_tree))]
    prev_home = {item_key(i): i for i in homepage_items(prev_pages)}
    cur_home = {item_key(i): i for i in homepage_items(cur_pages)}
    home = compare_items(prev_home, cur_home, today)  # the homepage shows its newest items: older ones leave it
    for d in home["date_changed"]:
        flags.append({**d, "column": None, "reason": "date_changed"})
    # one flag per item (an item is often listed by its column and by a parent page aggregating it)
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for f in flags:
        unique.setdefault((f["reason"], f.get("url") or f.get("title"), f["new"]), f)
    flags = list(unique.values())
    totals.update(columns_added=len(added), columns_removed=len(removed))
    return {
        "previous_run": prev_snapshot.get("run_id"), "previous_eval_date": prev_snapshot.get("eval_date"),
        "previous_started_at": prev_snapshot.get("started_at"),
        "columns_added": added, "columns_removed": removed, "columns": columns,
        "homepage": {"new": len(home["new"]), "left": len(home["disappeared"]), "date_changed": len(home["date_changed"]),
                     "new_items": home["new"][:MAX_LISTED]},
        "totals": totals,
        "forged_date_flags": flags[: MAX_LISTED * 5],
    }


def ledger_freshness(today: date, current_new: int | None, baseline_date: str | None, last_new_date: str | None,
                     stale_days: int) -> dict[str, Any]:
    """The ledger's freshness keys of a snapshot: how many homepage items this run saw first (None when this
    run is the site's first in the ledger), the evaluation date of the latest run that saw a new one, and
    whether nothing new appeared for more than ``stale_days`` (None while the ledger is too young to say)."""
    since = parse_iso_date(last_new_date) or parse_iso_date(baseline_date)
    days = (today - since).days if since else None
    if last_new_date:
        stale: bool | None = days is not None and days > stale_days
    else:
        stale = True if days is not None and days > stale_days else None
    return {"homepage_new_items": current_new, "homepage_last_new_seen": last_new_date,
            "homepage_ledger_since": baseline_date, "homepage_days_since_new": days, "homepage_stale_ledger": stale}
