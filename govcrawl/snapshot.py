"""Build one site's snapshot of one run from the run's stored pages (pure: pages in, document out).

Because the snapshot is derived only from ``pages`` documents, it can be rebuilt at any time, by
any worker, with the same result (``python -m govcrawl snapshots build RUN``).
"""
from __future__ import annotations

from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, Iterable

import yaml

from govcrawl import failures
from govcrawl.boards import board_stats
from govcrawl import links as linkcheck
from govcrawl.clock import parse_iso_date
from govcrawl.registry import Site
from govcrawl.urls import column_key, host, same_site

#: Column classes (the taxonomy data file gives each column one of these).
COLUMN_CLASSES = ("news", "notice_policy", "personnel_plan", "interaction", "other")


@cache
def freshness_rules() -> dict[str, Any]:
    """The stale windows of govcrawl/data/freshness.yaml."""
    text = resources.files("govcrawl").joinpath("data/freshness.yaml").read_text("utf-8")
    rules = yaml.safe_load(text)
    unknown = set(rules["column_stale_days"]) - set(COLUMN_CLASSES)
    if unknown:
        raise ValueError(f"govcrawl/data/freshness.yaml: unknown column class(es) {sorted(unknown)}")
    return rules


def _age(newest: str | None, today: date) -> int | None:
    d = parse_iso_date(newest)
    return (today - d).days if d else None


def _newest(items: Iterable[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """The newest dated item not after today."""
    best = None
    for it in items:
        d = it.get("date")
        if d and d <= today.isoformat() and (best is None or d > best["date"]):
            best = it
    return best


def _by_role(pages: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [p for p in pages if p.get("role") == role]


def _failure(home: dict[str, Any] | None) -> dict[str, Any] | None:
    if home is None:
        return {"kind": failures.ERROR, "reason": failures.REASONS[failures.ERROR], "detail": "homepage never fetched"}
    err = home.get("error")
    if not err:
        return None
    return {"kind": err["kind"], "reason": failures.REASONS.get(err["kind"], err["kind"]),
            "detail": err.get("detail"), "status": home.get("status")}


def build_snapshot(site: Site, pages: list[dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    """The snapshot document of ``site`` in ``run`` from the run's pages of that site."""
    today = parse_iso_date(run.get("eval_date")) or date.today()
    rules = freshness_rules()
    homes = _by_role(pages, "home")
    home = min(homes, key=lambda p: p.get("fetched_at") or datetime.min) if homes else None
    failure = _failure(home)
    snap: dict[str, Any] = {
        "_id": f"{run['_id']}:{site.id}",
        "run_id": run["_id"],
        "site_id": site.id,
        "name": site.name,
        "group": site.group,
        "url": site.url,
        "eval_date": today.isoformat(),
        "started_at": run.get("started_at"),
        "reachable": failure is None,
        "failure": failure,
        "domain": {
            "host": site.host,
            "gov_cn": site.host.endswith(".gov.cn"),
            "https": ((home or {}).get("final_url") or site.url).startswith("https://"),
        },
        "pages": {
            "fetched": sum(1 for p in pages if p.get("status") is not None),
            "failed": sum(1 for p in pages if p.get("error")),
            "by_role": {r: sum(1 for p in pages if p.get("role") == r) for r in ("home", "column", "article", "link")},
        },
    }
    if failure is not None:
        snap.update(homepage=_homepage(home, {}), columns=[], nav_columns=[], nav_script_built=False,
                    identity=None, homepage_latest=None, disclosure=[], features=[], emails=[],
                    broken_links=[], future_items=[], board_messages=[], links=linkcheck.summarize([]),
                    board=board_stats([], today),
                    disclosure_names=[], feature_names=[], freshness=None)
        return snap

    facts = home.get("facts") or {}
    columns = _columns(site, facts, pages, today, rules)
    latest = _newest(facts.get("items") or (), today)
    home_age = _age(latest["date"], today) if latest else None
    fact_pages = [home] + [p for p in pages if p is not home and p.get("facts")]
    disclosure = _union_named(fact_pages, "disclosure")
    features = _union_named(fact_pages, "features")
    snap.update(
        homepage=_homepage(home, facts),
        identity=facts.get("identity"),
        nav_columns=facts.get("nav_columns") or [],
        nav_script_built=bool(facts.get("nav_script_built")),
        columns=columns,
        homepage_latest=latest and {k: latest.get(k) for k in ("title", "url", "date", "date_method")},
        freshness={
            "homepage_latest_date": latest["date"] if latest else None,
            "homepage_age_days": home_age,
            "homepage_stale": home_age is None or home_age > rules["homepage_stale_days"],
            "columns_total": len(columns),
            "blank_columns": sum(1 for c in columns if c["blank"]),
            "stale_columns": sum(1 for c in columns if c["stale"]),
            "long_overdue_columns": sum(1 for c in columns if c["long_overdue"]),
            "undated_columns": sum(1 for c in columns if not c["blank"] and c["newest_date"] is None and c["item_count"]),
        },
        future_items=_future_items(fact_pages, today),
        disclosure=disclosure,
        disclosure_names=[d["name"] for d in disclosure],
        features=features,
        feature_names=[f["name"] for f in features],
        emails=_emails(fact_pages),
        broken_links=_broken_links(site, pages),
        links=linkcheck.summarize(pages),
        board_messages=[m for p in fact_pages for m in (p["facts"].get("board_messages") or ())],
        board=board_stats(fact_pages, today),  # published reply lags (govcrawl.boards)
    )
    return snap


def _homepage(home: dict[str, Any] | None, facts: dict[str, Any]) -> dict[str, Any] | None:
    if home is None:
        return None
    return {
        "url": home.get("url"), "final_url": home.get("final_url"), "status": home.get("status"),
        "seconds": home.get("seconds"), "size": home.get("size"), "title": facts.get("title"),
        "site_name": facts.get("site_name"), "encoding": facts.get("encoding"),
        "legal_name_shown": facts.get("legal_name_shown"),
    }


def _columns(site: Site, facts: dict[str, Any], pages: list[dict[str, Any]], today: date,
             rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The column tree: homepage navigation, then sub-menus found on top-level column pages."""
    list_pages: dict[str, list[dict[str, Any]]] = {}
    for p in _by_role(pages, "column"):
        list_pages.setdefault(column_key((p.get("column") or {}).get("url") or p["url"]), []).append(p)
    for group in list_pages.values():
        group.sort(key=lambda p: (p.get("column") or {}).get("page") or 1)

    tree: dict[str, dict[str, Any]] = {}

    def add(col: dict[str, Any], level: int, parent: str | None) -> None:
        if not col.get("url") or not same_site(col["url"], site.host):
            return
        key = column_key(col["url"])
        if key in tree or key == column_key(site.url):
            return
        tree[key] = {"name": col.get("name"), "url": col["url"], "level": level, "parent": parent,
                     "class": col.get("class") or "other"}

    for col in facts.get("columns") or ():
        add(col, col.get("level") or 1, col.get("parent"))
    for key, node in list(tree.items()):
        if node["level"] != 1 or key not in list_pages:
            continue
        first = list_pages[key][0].get("facts") or {}
        for sub in first.get("columns") or ():
            if sub.get("level") == 2:
                add(sub, 2, node["name"])

    stale_days = rules["column_stale_days"]
    out = []
    for key, node in tree.items():
        fetched = list_pages.get(key) or []
        first = fetched[0] if fetched else None
        first_facts = (first or {}).get("facts") or {}
        items = [it for p in fetched for it in ((p.get("facts") or {}).get("items") or ())]
        dates = [it["date"] for it in items if it.get("date")]
        newest = max((d for d in dates if d <= today.isoformat()), default=None)
        has_children = any(n["parent"] == node["name"] and n["level"] == node["level"] + 1 for n in tree.values())
        # Blank: the list says 暂无信息 or is empty.  A page that only lists its sub-columns is not blank.
        blank = bool(first and not first.get("error")
                     and (first_facts.get("blank") or (not items and not has_children and first_facts.get("page_type") != "article")))
        age = _age(newest, today)
        window = stale_days.get(node["class"])
        node.update(
            item_count=len(items),
            newest_date=newest,
            age_days=age,
            blank=blank,
            fetched=bool(first),
            list_pages=len(fetched),
            error=((first or {}).get("error") or {}).get("kind"),
            has_children=has_children,
            # Undated items count as not updated (V3/V4); a parent without items of its own is not judged.
            stale=bool(window is not None and not blank and items and (age is None or age > window)),
            long_overdue=bool(not blank and age is not None and age > rules["long_overdue_days"]),
        )
        out.append(node)
    return out


def _union_named(pages: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for p in pages:
        for entry in (p.get("facts") or {}).get(key) or ():
            if entry.get("name") and entry["name"] not in seen:
                seen[entry["name"]] = {"name": entry["name"], "url": entry.get("url"),
                                       "label": entry.get("label"), "found_on": p.get("final_url") or p["url"]}
    return list(seen.values())


def _emails(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for p in pages:
        facts = p.get("facts") or {}
        forms = {f["address"]: f for f in facts.get("email_forms") or ()}
        for addr in facts.get("emails") or ():
            if addr not in seen:
                f = forms.get(addr, {})
                seen[addr] = {"address": addr, "form": f.get("form"), "context": f.get("context"),
                              "url": p.get("final_url") or p["url"]}
    return list(seen.values())


def _future_items(pages: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    out, seen = [], set()
    for p in pages:
        for it in (p.get("facts") or {}).get("items") or ():
            if it.get("date") and it["date"] > today.isoformat() and (it.get("url"), it["date"]) not in seen:
                seen.add((it.get("url"), it["date"]))
                out.append({"title": it.get("title"), "url": it.get("url"), "date": it["date"],
                            "page": p.get("final_url") or p["url"]})
    return out


def _broken_links(site: Site, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Internal homepage links (HEAD-checked, or fetched as columns/articles) confirmed broken."""
    out, seen = [], set()
    for p in pages:
        err = p.get("error") or {}
        confirmed = (err.get("kind") == failures.HTTP_STATUS and p.get("status") in (403, 404, 410)) or err.get("kind") == failures.DNS
        link = p.get("link") or {}
        # Links found on column pages, and off-site links, are reported under `links` only.
        elsewhere = p.get("role") == "link" and (link.get("from") == "column" or link.get("internal") is False)
        if confirmed and p.get("role") != "home" and not elsewhere and p["url"] not in seen and host(p["url"]):
            seen.add(p["url"])
            out.append({"url": p["url"], "status": p.get("status"), "kind": err.get("kind"), "role": p.get("role")})
    out.sort(key=lambda b: b["url"])
    return out
