"""Availability of a site over an evaluation window, and the V2 veto test, from its uptime ``checks``.

Pure functions (checks in, figures out) plus the small I/O part behind ``python -m govcrawl availability``,
which stores one ``availability`` document per site per window end.  The thresholds live in
``govcrawl/data/availability.yaml`` (V2: >= 20 spaced visits a day for 7 days, veto at >= 5 % failures).

Verdicts: ``veto`` (enough data and failures >= the share), ``pass`` (enough data, fewer failures), or
``insufficient_data`` (fewer covered days than the rule needs: the share is still reported, but it decides
nothing).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from importlib import resources
from pathlib import Path
from statistics import median
from typing import Any, Iterable

import yaml

PASS, VETO, INSUFFICIENT = "pass", "veto", "insufficient_data"


@dataclass(frozen=True)
class Rules:
    window_days: float = 7
    min_visits_per_day: int = 20
    min_spacing_minutes: float = 30
    required_days: int = 7
    veto_failure_share: float = 0.05
    timezone_hours: float = 8


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules of ``path`` (default govcrawl/data/availability.yaml); unknown keys are refused."""
    if path is None:
        return _default_rules()
    return _rules_from(Path(path).read_text("utf-8"), str(path))


@cache
def _default_rules() -> Rules:
    return _rules_from(resources.files("govcrawl").joinpath("data/availability.yaml").read_text("utf-8"),
                       "govcrawl/data/availability.yaml")


def _rules_from(text: str, where: str) -> Rules:
    data = yaml.safe_load(text) or {}
    known = set(Rules.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)} (known: {sorted(known)})")
    rules = Rules(**data)
    if not 0 < rules.veto_failure_share <= 1 or rules.required_days < 1 or rules.min_visits_per_day < 1:
        raise ValueError(f"{where}: veto_failure_share must be in (0, 1], required_days and min_visits_per_day >= 1")
    return rules


def parse_window(text: str) -> timedelta:
    """'7d', '72h', '90m' -> timedelta."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhm])\s*", text or "")
    if not m:
        raise ValueError(f"window {text!r}: use a number and d, h or m (7d, 72h)")
    n, unit = float(m.group(1)), m.group(2)
    return timedelta(days=n) if unit == "d" else timedelta(hours=n) if unit == "h" else timedelta(minutes=n)


def window_label(window: timedelta) -> str:
    secs = int(window.total_seconds())
    if secs % 86400 == 0:
        return f"{secs // 86400}d"
    if secs % 3600 == 0:
        return f"{secs // 3600}h"
    return f"{secs // 60}m" if secs % 60 == 0 else f"{secs}s"


def spaced_count(times: Iterable[datetime], spacing: timedelta) -> int:
    """Visits at least ``spacing`` after the previously counted one (greedy, in time order)."""
    n, last = 0, None
    for t in sorted(times):
        if last is None or t - last >= spacing:
            n += 1
            last = t
    return n


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def availability(checks: Iterable[dict[str, Any]], end: datetime, window: timedelta | None = None,
                 rules: Rules | None = None) -> dict[str, Any]:
    """Availability over (end - window, end] from one site's checks ({at, ok, error_kind, seconds, ...}).

    Returns visits, failures, share (failures / visits), kinds (failures per error class), days (per
    calendar day in the rules' time zone: visits, spaced visits, failures), days_covered (days with enough
    spaced visits), visits_per_day (visits / window days), seconds (median, p90, max of successful visits),
    first_failure_at, last_failure_at, verdict, veto (True/False, None when the data are insufficient) and
    reason (one sentence).
    """
    rules = rules or load_rules()
    window = window or timedelta(days=rules.window_days)
    start = end - window
    zone = timezone(timedelta(hours=rules.timezone_hours))
    spacing = timedelta(minutes=rules.min_spacing_minutes)
    inside = sorted((c for c in checks if start < c["at"] <= end), key=lambda c: c["at"])
    visits = len(inside)
    bad = [c for c in inside if not c.get("ok")]
    kinds: dict[str, int] = {}
    for c in bad:
        kinds[c.get("error_kind") or "error"] = kinds.get(c.get("error_kind") or "error", 0) + 1
    per_day: dict[str, list[dict[str, Any]]] = {}
    for c in inside:
        per_day.setdefault(c["at"].astimezone(zone).date().isoformat(), []).append(c)
    days = [{"day": d, "visits": len(cs), "spaced": spaced_count((c["at"] for c in cs), spacing),
             "failures": sum(1 for c in cs if not c.get("ok"))} for d, cs in sorted(per_day.items())]
    covered = sum(1 for d in days if d["spaced"] >= rules.min_visits_per_day)
    share = len(bad) / visits if visits else None
    secs = [float(c["seconds"]) for c in inside if c.get("ok") and c.get("seconds") is not None]
    window_days = window.total_seconds() / 86400
    if covered >= rules.required_days and share is not None:
        veto = share >= rules.veto_failure_share
        verdict = VETO if veto else PASS
        reason = (f"{len(bad)} of {visits} visits failed ({share:.1%}) over {covered} covered days; "
                  f"veto at >= {rules.veto_failure_share:.0%}")
    else:
        veto, verdict = None, INSUFFICIENT
        reason = (f"{covered} of {rules.required_days} days with >= {rules.min_visits_per_day} visits spaced "
                  f"{rules.min_spacing_minutes:g} min apart ({visits} visits in the window)")
    return {
        "window_start": start, "window_end": end, "window": window_label(window),
        "visits": visits, "failures": len(bad), "share": None if share is None else round(share, 4),
        "kinds": dict(sorted(kinds.items())), "days": days, "days_with_visits": len(days), "days_covered": covered,
        "visits_per_day": round(visits / window_days, 2) if window_days else None,
        "seconds": {"median": round(median(secs), 3) if secs else None,
                    "p90": None if not secs else round(_pct(secs, 0.9) or 0.0, 3),
                    "max": round(max(secs), 3) if secs else None},
        "first_failure_at": bad[0]["at"] if bad else None, "last_failure_at": bad[-1]["at"] if bad else None,
        "verdict": verdict, "veto": veto, "reason": reason, "rules": asdict(rules),
    }


# ---------------------------------------------------------------------------------------------- I/O


def window_checks(db: Any, site_ids: list[str], end: datetime, window: timedelta) -> dict[str, list[dict[str, Any]]]:
    """The checks of ``site_ids`` in (end - window, end], per site, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in site_ids}
    cur = db.checks.find({"site_id": {"$in": site_ids}, "at": {"$gt": end - window, "$lte": end}},
                         {"_id": 0, "site_id": 1, "at": 1, "ok": 1, "error_kind": 1, "seconds": 1})
    for d in cur.sort([("site_id", 1), ("at", 1)]):
        out.setdefault(d["site_id"], []).append(d)
    return out


def evaluate(db: Any, end: datetime | None = None, window: timedelta | None = None, only: Iterable[str] = (),
             rules: Rules | None = None, store: bool = True, batch: int = 200) -> list[dict[str, Any]]:
    """Availability of every active registered site (or ``only``) over the window ending at ``end`` (default
    now); stored as one ``availability`` document per site and window end (re-running replaces it)."""
    from pymongo import ReplaceOne

    from govcrawl.registry import active_sites

    rules = rules or load_rules()
    end = (end or datetime.now(timezone.utc)).astimezone(timezone.utc)
    window = window or timedelta(days=rules.window_days)
    sites = active_sites(db, list(only) or None)
    out: list[dict[str, Any]] = []
    now = datetime.now(timezone.utc)
    for i in range(0, len(sites), batch):
        part = sites[i:i + batch]
        checks = window_checks(db, [s.id for s in part], end, window)
        ops = []
        for s in part:
            doc = availability(checks.get(s.id, []), end, window, rules)
            doc.update(_id=f"{s.id}:{window_label(window)}:{end.strftime('%Y%m%dT%H%M%S')}Z", site_id=s.id,
                       name=s.name, group=s.group, url=s.url, computed_at=now)
            out.append(doc)
            ops.append(ReplaceOne({"_id": doc["_id"]}, doc, upsert=True))
        if store and ops:
            db.availability.bulk_write(ops, ordered=False)
    return out
