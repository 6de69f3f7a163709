"""Per-site observation records: what scoring knows about a site, each value with its evidence.

Two halves:

* ``derive`` (pure): one snapshot document (plus the site's availability summary and mail probe, when they
  exist) -> ``{observation name: Obs(value, url, seen, source, detail)}``.  An observation whose input does
  not exist (no checks yet, no probe, no published messages) is simply absent; models decide what a missing
  observation is worth, and the evaluation lists what was missing.
* ``collect`` (I/O): reads the newest snapshot of each site in the window, and aggregates checks, crawl
  runs, probes, expert scores and votes in MongoDB (``$group`` where the data lives; the SecantusDB gaps of
  notes/crawl-stack.md are avoided: no ``$count`` in sub-pipelines, no ``"$arr.f"`` paths, explicit sorts).

Snapshot shape: /tmp/snapshot-schema.md (the contract with the crawler).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from pymongo.database import Database

from . import ScoringError

logger = logging.getLogger(__name__)

DISCLOSURE = ("公开指南", "公开目录", "公开年报", "依申请公开", "机构职能", "负责人信息", "政策文件", "政策解读",
              "人事信息", "财政信息", "行政许可", "通知公告", "规划计划", "统计信息")
FEATURES = ("领导信箱", "咨询投诉", "留言板", "在线访谈", "征集调查", "网上听证", "网上评议", "站内搜索", "网站地图",
            "无障碍", "办事指南", "表格下载", "RSS")
#: Channels that count as an online consultation channel (V5); petition/discipline channels are not features.
CONSULTATION_FEATURES = ("领导信箱", "咨询投诉", "留言板")
#: Broken-link statuses/kinds that count as confirmed (STANDARDS.md section 1: 404/403/410/DNS only).
CONFIRMED_BROKEN = {404, 403, 410}

#: Every observation a model may name: name -> (source, description).  ``disclosure:X`` and ``feature:X``
#: exist for every canonical name above.
OBSERVATIONS: dict[str, tuple[str, str]] = {
    "reachable": ("snapshot", "homepage opened in the newest crawl run"),
    "disclosure_count": ("snapshot", "canonical disclosure categories found (of 14)"),
    "feature_count": ("snapshot", "canonical interactive features found (of 13)"),
    "homepage_age_days": ("snapshot", "days between the newest dated homepage item and the evaluation date (missing: undated)"),
    "homepage_stale": ("snapshot", "no new homepage item within the stale window"),
    "columns_total": ("snapshot", "navigation columns found"),
    "blank_columns": ("snapshot", "columns with no items (栏目挂空)"),
    "stale_columns": ("snapshot", "columns older than their class's stale window"),
    "long_overdue_columns": ("snapshot", "columns not updated for over a year"),
    "undated_columns": ("snapshot", "columns whose items carry no date"),
    "stale_ratio": ("snapshot", "stale columns / columns"),
    "blank_ratio": ("snapshot", "blank columns / columns"),
    "gov_cn": ("snapshot", "host ends in .gov.cn"),
    "https": ("snapshot", "homepage served over HTTPS"),
    "legal_name_shown": ("snapshot", "legal name of the body shown on the homepage"),
    "site_code": ("snapshot", "网站标识码 shown"),
    "icp": ("snapshot", "ICP number shown"),
    "psb": ("snapshot", "公网安备 number shown"),
    "party_badge": ("snapshot", "党政机关 badge shown"),
    "emails_count": ("snapshot", "consultation e-mail addresses published"),
    "broken_links": ("snapshot", "confirmed broken links (404/403/410/DNS)"),
    "nav_script_built": ("snapshot", "top navigation built by script (not crawlable)"),
    "homepage_seconds": ("snapshot", "seconds to fetch the homepage in the crawl"),
    "future_items": ("snapshot", "items dated after the evaluation date (possible forged dates, V1)"),
    "consultation_channel": ("snapshot", "a consultation channel exists (领导信箱/咨询投诉/留言板 or a published e-mail)"),
    "online_services": ("snapshot", "online services exist (办事指南 or 表格下载 or 行政许可)"),
    "messages_published": ("board", "consultation messages the site publishes"),
    "messages_unanswered_90d": ("board", "published messages of the last year unanswered after 3 months"),
    "reply_lag_days_median": ("board", "median days from asked to answered, published messages"),
    "latest_reply_age_days": ("board", "days since the newest published reply"),
    "availability": ("checks", "share of availability samples that succeeded (crawl runs when no checks)"),
    "availability_failure_rate": ("checks", "share of availability samples that failed"),
    "availability_samples": ("checks", "availability samples in the window"),
    "avg_response_seconds": ("checks", "mean seconds to a successful homepage sample"),
    "probe_outcome": ("probes", "mail probe outcome: replied, auto_only, bounced, waiting, failed"),
    "probe_replied": ("probes", "a person answered the mail probe"),
    "probe_bounced": ("probes", "the mail probe bounced permanently or could not be sent"),
    "probe_delay_workdays": ("probes", "working days to the first human reply"),
    "probe_quality": ("probes", "quality of the reply (0-100)"),
}
for _n in DISCLOSURE:
    OBSERVATIONS[f"disclosure:{_n}"] = ("snapshot", f"disclosure category {_n} found")
for _n in FEATURES:
    OBSERVATIONS[f"feature:{_n}"] = ("snapshot", f"feature {_n} found")

#: Sources whose absence is normal while their issue has not landed (models skip them by default).
OPTIONAL_SOURCES = ("checks", "probes", "board")


def source_of(name: str) -> str:
    return OBSERVATIONS[name][0]


@dataclass(frozen=True)
class Obs:
    """One observed value and where it was seen."""

    value: Any
    url: str | None
    seen: str | None  # ISO date or datetime (or "from..to" for a window)
    source: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "url": self.url, "seen": self.seen, "source": self.source, "detail": self.detail}


@dataclass
class SiteInput:
    """Everything scoring knows about one site for one evaluation."""

    site_id: str
    name: str
    group: str
    url: str
    reachable: bool
    failure: dict[str, Any] | None = None
    run_id: str | None = None
    seen: str | None = None
    eval_date: str | None = None
    obs: dict[str, Obs] = field(default_factory=dict)
    columns: list[dict[str, Any]] = field(default_factory=list)
    availability: dict[str, Any] | None = None
    probe: dict[str, Any] | None = None
    experts: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # indicator -> [(expert, score)]
    votes: float | None = None
    missing: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- pure derivation


def _iso(t: Any) -> str | None:
    if isinstance(t, dt.datetime):
        return t.isoformat()
    if isinstance(t, dt.date):
        return t.isoformat()
    return str(t) if t else None


def _date(s: Any) -> dt.date | None:
    if isinstance(s, dt.datetime):
        return s.date()
    if isinstance(s, dt.date):
        return s
    if isinstance(s, str) and len(s) >= 10:
        try:
            return dt.date.fromisoformat(s[:10])
        except ValueError:
            return None
    return None


def _names_url(entries: Iterable[Mapping[str, Any]] | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for e in entries or ():
        name = e.get("name")
        if name and name not in out:
            out[name] = e.get("url")
    return out


def confirmed_broken(links: Iterable[Mapping[str, Any]] | None) -> list[Mapping[str, Any]]:
    out = []
    for b in links or ():
        status = b.get("status")
        kind = (b.get("kind") or "").lower()
        if status in CONFIRMED_BROKEN or kind == "dns":
            out.append(b)
    return out


def derive(snapshot: Mapping[str, Any], availability: Mapping[str, Any] | None = None,
           probe: Mapping[str, Any] | None = None) -> dict[str, Obs]:
    """The observations of one site from its snapshot, availability summary and probe (pure)."""
    seen = _iso(snapshot.get("started_at"))
    home = snapshot.get("homepage") or {}
    home_url = home.get("final_url") or home.get("url") or snapshot.get("url")
    o: dict[str, Obs] = {}

    def put(name: str, value: Any, url: str | None = home_url, detail: str = "", source: str = "snapshot",
            when: str | None = seen) -> None:
        o[name] = Obs(value, url, when, source, detail)

    reachable = bool(snapshot.get("reachable"))
    fail = snapshot.get("failure") or {}
    put("reachable", reachable, detail="" if reachable else f"{fail.get('kind', '')}: {fail.get('reason', '')}".strip(": "))
    if reachable:
        disc = _names_url(snapshot.get("disclosure"))
        for n in snapshot.get("disclosure_names") or ():
            disc.setdefault(n, None)
        feats = _names_url(snapshot.get("features"))
        for n in snapshot.get("feature_names") or ():
            feats.setdefault(n, None)
        for n in DISCLOSURE:
            put(f"disclosure:{n}", n in disc, url=disc.get(n) or home_url,
                detail="found" if n in disc else "not found on the pages crawled")
        for n in FEATURES:
            put(f"feature:{n}", n in feats, url=feats.get(n) or home_url,
                detail="found" if n in feats else "not found on the pages crawled")
        put("disclosure_count", sum(n in disc for n in DISCLOSURE), detail=", ".join(n for n in DISCLOSURE if n in disc))
        put("feature_count", sum(n in feats for n in FEATURES), detail=", ".join(n for n in FEATURES if n in feats))

        fr = snapshot.get("freshness") or {}
        latest = snapshot.get("homepage_latest") or {}
        age = fr.get("homepage_age_days")
        latest_detail = f"newest homepage item {latest.get('date')} {latest.get('title', '')}".strip() if latest else "no dated homepage item"
        if age is not None:
            put("homepage_age_days", age, url=latest.get("url") or home_url, detail=latest_detail)
        put("homepage_stale", bool(fr.get("homepage_stale", age is None)), url=latest.get("url") or home_url, detail=latest_detail)
        cols = list(snapshot.get("columns") or ())

        def col_detail(flag: str) -> str:
            names = [c.get("name", "?") for c in cols if c.get(flag)]
            return ", ".join(names[:20]) + (f" (+{len(names) - 20})" if len(names) > 20 else "")

        total = fr.get("columns_total", len(cols))
        put("columns_total", total)
        for key, flag in (("blank_columns", "blank"), ("stale_columns", "stale"), ("long_overdue_columns", "long_overdue")):
            put(key, fr.get(key, sum(bool(c.get(flag)) for c in cols)), detail=col_detail(flag))
        put("undated_columns", fr.get("undated_columns", 0))
        put("stale_ratio", round(o["stale_columns"].value / total, 4) if total else 1.0, detail=col_detail("stale"))
        put("blank_ratio", round(o["blank_columns"].value / total, 4) if total else 1.0, detail=col_detail("blank"))

        dom = snapshot.get("domain") or {}
        put("gov_cn", bool(dom.get("gov_cn")), detail=dom.get("host") or "")
        put("https", bool(dom.get("https")), detail=dom.get("host") or "")
        put("legal_name_shown", bool(home.get("legal_name_shown")), detail=home.get("site_name") or home.get("title") or "")
        ident = snapshot.get("identity") or {}
        for key in ("site_code", "icp", "psb"):
            put(key, bool(ident.get(key)), detail=str(ident.get(key) or "not shown"))
        put("party_badge", bool(ident.get("party_badge")))
        emails = list(snapshot.get("emails") or ())
        put("emails_count", len(emails), url=(emails[0].get("url") if emails else home_url),
            detail=", ".join(e.get("address", "") for e in emails[:5]))
        broken = confirmed_broken(snapshot.get("broken_links"))
        put("broken_links", len(broken), url=(broken[0].get("url") if broken else home_url),
            detail=", ".join(f"{b.get('url')} ({b.get('status') or b.get('kind')})" for b in broken[:5]))
        put("nav_script_built", bool(snapshot.get("nav_script_built")))
        if home.get("seconds") is not None:
            put("homepage_seconds", home.get("seconds"))
        fut = list(snapshot.get("future_items") or ())
        put("future_items", len(fut), url=(fut[0].get("url") if fut else home_url),
            detail="; ".join(f"{f.get('date')} {f.get('title', '')}" for f in fut[:5]))
        channels = [n for n in CONSULTATION_FEATURES if n in feats]
        put("consultation_channel", bool(channels or emails),
            url=(feats.get(channels[0]) if channels else (emails[0].get("url") if emails else home_url)),
            detail=", ".join(channels + [e.get("address", "") for e in emails[:3]]) or "none found")
        services = [n for n in ("办事指南", "表格下载") if n in feats] + (["行政许可"] if "行政许可" in disc else [])
        put("online_services", bool(services), detail=", ".join(services) or "none found")
        _board(o, snapshot, home_url, seen)

    if availability:
        window = f"{availability.get('from')}..{availability.get('to')}"
        src = availability.get("source", "checks")
        n = availability.get("samples", 0)
        bad = availability.get("failures", 0)
        if n:
            detail = f"{bad} of {n} samples failed ({src})"
            if availability.get("first_failure_at"):
                detail += f", first failure {availability['first_failure_at']}"
            url = home_url or snapshot.get("url")
            o["availability_samples"] = Obs(n, url, window, "checks", f"source: {src}")
            o["availability"] = Obs(round((n - bad) / n, 4), url, window, "checks", detail)
            o["availability_failure_rate"] = Obs(round(bad / n, 4), url, window, "checks", detail)
            if availability.get("avg_seconds") is not None:
                o["avg_response_seconds"] = Obs(round(availability["avg_seconds"], 3), url, window, "checks", src)
    if probe:
        _probe(o, probe, snapshot)
    return o


def board_messages(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Published messages, one per letter: a letter listed and also read on its detail page is merged (by URL)."""
    merged: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for m in snapshot.get("board_messages") or ():
        key = m.get("url")
        if not key:
            out.append(dict(m))
            continue
        cur = merged.get(key)
        if cur is None:
            merged[key] = cur = dict(m)
            out.append(cur)
            continue
        for k in ("asked", "answered", "unit", "status", "title"):
            if not cur.get(k) and m.get(k):
                cur[k] = m[k]
        if m.get("detail") and m.get("status"):
            cur["status"] = m["status"]  # the letter's own page says more than the list
        if cur.get("answered"):
            cur["status"] = "answered"
    return out


def answer_state(m: Mapping[str, Any]) -> str | None:
    """'answered', 'unanswered' or None (the page does not say).  ``status`` (from the extractor) decides;
    without it a reply date or an answering unit means answered; an older document without any ``status``
    key counts a missing reply date as unanswered."""
    st = m.get("status")
    if st in ("answered", "unanswered"):
        return st
    if m.get("answered") or m.get("unit"):
        return "answered"
    return None if "status" in m else "unanswered"


def _board(o: dict[str, Obs], snapshot: Mapping[str, Any], home_url: str | None, seen: str | None) -> None:
    msgs = board_messages(snapshot)
    if not msgs:
        return
    today = _date(snapshot.get("eval_date")) or _date(snapshot.get("started_at")) or dt.date.today()
    lags, answered_dates, unanswered, unknown = [], [], [], 0
    for m in msgs:
        asked, answered = _date(m.get("asked")), _date(m.get("answered"))
        state = answer_state(m)
        if asked and answered and answered >= asked:
            lags.append((answered - asked).days)
        if answered:
            answered_dates.append(answered)
        if state is None:
            unknown += 1
        elif state == "unanswered" and asked and today - dt.timedelta(days=365) <= asked <= today - dt.timedelta(days=90):
            unanswered.append(m)
    first_url = (unanswered[0].get("url") if unanswered else None) or home_url
    put = lambda name, value, detail="", url=home_url: o.__setitem__(name, Obs(value, url, seen, "board", detail))  # noqa: E731
    put("messages_published", len(msgs), f"{unknown} without a stated answer status" if unknown else "")
    put("messages_unanswered_90d", len(unanswered),
        "; ".join(f"{m.get('asked')} {m.get('title', '')} {m.get('url') or ''}".strip() for m in unanswered[:5]), first_url)
    if lags:
        put("reply_lag_days_median", statistics.median(lags), f"{len(lags)} answered messages with dates")
    if answered_dates:
        newest = max(answered_dates)
        put("latest_reply_age_days", (today - newest).days, f"newest reply {newest.isoformat()}")


def normalise_probe(p: Mapping[str, Any]) -> dict[str, Any]:
    """A probe document (mailprobe's ``result`` sub-document, or the flat planned shape) -> flat dict."""
    r = dict(p.get("result") or {})
    flat = {k: p.get(k) for k in ("outcome", "delay_hours", "delay_workdays", "quality")}
    outcome = r.get("outcome") or flat.get("outcome")
    if not outcome:
        outcome = "failed" if p.get("state") == "failed" or p.get("status") == "failed" else "waiting"
    return {
        "campaign": p.get("campaign"), "site_id": p.get("site_id"), "to": p.get("to"),
        "sent_at": _iso(p.get("sent_at")), "outcome": outcome,
        "replied": bool(r.get("replied", outcome == "replied")),
        "bounced": bool(r.get("bounced", outcome in ("bounced",))) or outcome in ("bounced", "failed"),
        "delay_hours": r.get("delay_hours", flat.get("delay_hours")),
        "delay_workdays": r.get("delay_workdays", flat.get("delay_workdays")),
        "quality": r.get("quality", flat.get("quality")),
        "first_reply_at": _iso(r.get("first_reply_at")),
    }


def _probe(o: dict[str, Obs], probe: Mapping[str, Any], snapshot: Mapping[str, Any]) -> None:
    p = probe if "replied" in probe and "bounced" in probe else normalise_probe(probe)
    url = f"mailto:{p['to']}" if p.get("to") else snapshot.get("url")
    when = p.get("first_reply_at") or p.get("sent_at")
    camp = f"campaign {p.get('campaign')}, sent {p.get('sent_at')}"
    o["probe_outcome"] = Obs(p["outcome"], url, when, "probes", camp)
    if p["outcome"] in ("waiting", "unconfirmed"):
        return  # not judged yet: no points either way
    o["probe_replied"] = Obs(p["replied"], url, when, "probes", camp)
    o["probe_bounced"] = Obs(p["bounced"], url, when, "probes", camp)
    if p.get("delay_workdays") is not None:
        o["probe_delay_workdays"] = Obs(p["delay_workdays"], url, when, "probes", f"{p.get('delay_hours')} h; {camp}")
    if p.get("quality") is not None:
        o["probe_quality"] = Obs(p["quality"], url, when, "probes", camp)


# --------------------------------------------------------------------------- reading the database

WINDOW_RE = re.compile(r"^(\d+)\s*([dhw])$")

#: Snapshot fields scoring never needs (kept out of the transfer).
_SNAPSHOT_PROJECTION = {"pages": 0}


def parse_window(text: str) -> dt.timedelta:
    m = WINDOW_RE.match(text.strip())
    if not m:
        raise ScoringError(f"window {text!r}: use a number of days, hours or weeks, e.g. 30d, 72h, 4w")
    n, unit = int(m.group(1)), m.group(2)
    return {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n), "w": dt.timedelta(weeks=n)}[unit]


@dataclass
class Collected:
    sites: list[SiteInput]
    inputs: dict[str, Any]
    missing: list[str]
    window: tuple[dt.datetime, dt.datetime]
    availability_by_day: dict[str, dict[str, list[int]]]  # group -> day -> [samples, failures]
    probes: list[dict[str, Any]]


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _runs_in_window(db: Database, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    runs = list(db.runs.find({"started_at": {"$gte": start, "$lte": end}, "spider": {"$in": ["portals", None]}},
                             {"_id": 1, "started_at": 1, "site_ids": 1}).sort([("started_at", -1), ("_id", -1)]))
    if runs:
        return runs
    # No run documents (older data, or tests that write snapshots only): one pass over snapshots.
    return list(db.snapshots.aggregate([
        {"$match": {"started_at": {"$gte": start, "$lte": end}}},
        {"$group": {"_id": "$run_id", "started_at": {"$max": "$started_at"}}},
        {"$sort": {"started_at": -1, "_id": -1}},
    ]))


def collect(db: Database, *, window: dt.timedelta = dt.timedelta(days=30), as_of: dt.datetime | None = None,
            run_id: str | None = None, campaign: str | None = None, sites: Iterable[str] | None = None) -> Collected:
    """Read every input of one evaluation: newest snapshot per site (or ``run_id``'s), checks, probes, experts, votes."""
    end = _aware(as_of) if as_of else dt.datetime.now(dt.timezone.utc)
    if run_id:
        run = db.runs.find_one({"_id": run_id}, {"started_at": 1}) or db.snapshots.find_one({"run_id": run_id}, {"started_at": 1})
        if not run:
            raise ScoringError(f"crawl run {run_id!r} not found in runs or snapshots")
        if as_of is None and run.get("started_at"):
            end = max(end, _aware(run["started_at"]))
        runs = [{"_id": run_id, "started_at": run.get("started_at")}]
    else:
        runs = _runs_in_window(db, end - window, end)
        if not runs:
            raise ScoringError(f"no crawl run between {(end - window).isoformat()} and {end.isoformat()}: "
                               "crawl first (scrapy crawl portals), widen --window, or pass --as-of")
    start = end - window
    wanted = set(sites) if sites is not None else None
    missing: list[str] = []

    # Newest snapshot per site: one indexed query per run, newest run first, only for sites not yet seen.
    snaps: dict[str, dict[str, Any]] = {}
    # Runs list the sites they crawled (runs.site_ids): an older run is read only for sites not seen yet.
    for run in runs:
        q: dict[str, Any] = {"run_id": run["_id"]}
        listed = run.get("site_ids")
        if listed is not None:
            need = sorted(s for s in listed if s not in snaps and (wanted is None or s in wanted))
            if not need:
                continue
            if snaps or wanted is not None:
                q["site_id"] = {"$in": need}
        else:
            if snaps:
                q["site_id"] = {"$nin": sorted(snaps)}
            if wanted is not None:
                q.setdefault("site_id", {})["$in"] = sorted(wanted)
        for s in db.snapshots.find(q, _SNAPSHOT_PROJECTION).sort("site_id", 1):
            snaps.setdefault(s["site_id"], s)

    registry = {s["_id"]: s for s in db.sites.find({"active": {"$ne": False}}, {"name": 1, "group": 1, "url": 1}).sort("_id", 1)}
    ids = sorted(set(snaps) | ({k for k in registry if wanted is None or k in wanted}))

    avail, by_day = _checks(db, start, end)
    no_checks = [i for i in ids if i in snaps and i not in avail]
    if not avail:
        missing.append("checks: no availability samples in the window (uptime checks not run); availability judged from crawl runs")
    if no_checks:
        avail.update(_run_reachability(db, no_checks, start, end))
    probes, camp = _probes(db, campaign)
    if not probes:
        missing.append("probes: no mail probe results" + (f" for campaign {campaign}" if campaign else ""))
    experts = _experts(db)
    votes = {v["site_id"]: v.get("votes", 0) for v in db.votes.find({}, {"site_id": 1, "votes": 1}).sort("site_id", 1)}
    if not experts:
        missing.append("experts: no expert scores imported (python -m scoring import experts FILE.csv)")
    if not votes:
        missing.append("votes: no public votes imported (python -m scoring import votes FILE.csv)")

    out: list[SiteInput] = []
    for sid in ids:
        snap = snaps.get(sid)
        reg = registry.get(sid, {})
        if snap is None:
            out.append(SiteInput(sid, reg.get("name", sid), reg.get("group", "?"), reg.get("url", ""), False,
                                 failure={"kind": "not_crawled", "reason": "窗口期内未抓取 not crawled in the window",
                                          "detail": f"no snapshot between {start.date()} and {end.date()}"}))
            continue
        a = avail.get(sid)
        p = probes.get(sid)
        site = SiteInput(
            site_id=sid, name=snap.get("name") or reg.get("name", sid), group=snap.get("group") or reg.get("group", "?"),
            url=snap.get("url") or reg.get("url", ""), reachable=bool(snap.get("reachable")), failure=snap.get("failure"),
            run_id=snap.get("run_id"), seen=_iso(snap.get("started_at")), eval_date=snap.get("eval_date"),
            obs=derive(snap, a, p), columns=list(snap.get("columns") or ()), availability=a, probe=p,
            experts=experts.get(sid, {}), votes=votes.get(sid),
        )
        if a is None or a.get("source") != "checks":
            site.missing.append("checks")
        if p is None:
            site.missing.append("probes")
        if not snap.get("board_messages"):
            site.missing.append("board_messages")
        out.append(site)

    n_checks = sum(a.get("samples", 0) for a in avail.values() if a.get("source") == "checks")
    inputs = {
        "window": {"from": start.isoformat(), "to": end.isoformat()},
        "runs": [r["_id"] for r in runs], "snapshots": len(snaps), "sites": len(ids),
        "checks": n_checks, "probes": len(probes), "campaign": camp,
        "experts": sum(len(v) for d in experts.values() for v in d.values()), "votes": len(votes),
    }
    probe_list = [probes[k] for k in sorted(probes)]
    return Collected(out, inputs, missing, (start, end), _days_by_group(by_day, out), probe_list)


def _checks(db: Database, start: dt.datetime, end: dt.datetime) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, list[int]]]]:
    """Per site and UTC day: samples, failures, seconds - from the incremental daily rollup (scoring.rollup),
    refreshed first with the checks inserted since the last evaluation (a ``$group`` in MongoDB)."""
    from . import rollup
    rollup.refresh(db, now=None)
    per: dict[str, dict[str, Any]] = {}
    by_day: dict[str, dict[str, list[int]]] = {}
    for r in rollup.read(db, start, end):
        sid, day = r["site_id"], r["day"]
        a = per.setdefault(sid, {"source": "checks", "samples": 0, "failures": 0, "sec": 0.0, "first_failure_at": None,
                                 "from": start.isoformat(), "to": end.isoformat()})
        a["samples"] += r["n"]
        a["failures"] += r["bad"]
        a["sec"] += r.get("sec") or 0.0
        fb = r.get("first_bad")
        if fb is not None and (a["first_failure_at"] is None or _iso(fb) < a["first_failure_at"]):
            a["first_failure_at"] = _iso(fb)
        by_day.setdefault(sid, {})[day] = [r["n"], r["bad"]]
    for a in per.values():
        ok = a["samples"] - a["failures"]
        a["avg_seconds"] = a.pop("sec") / ok if ok else None
    return per, by_day


def _run_reachability(db: Database, site_ids: list[str], start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, Any]]:
    """Availability from crawl runs, for sites without checks: one ``$group`` over their snapshots."""
    out = {}
    wanted = set(site_ids)
    # SecantusDB evaluates a long $in list document by document: filter here instead when it is long.
    match: dict[str, Any] = {"started_at": {"$gte": start, "$lte": end}}
    if len(site_ids) <= 50:
        match["site_id"] = {"$in": site_ids}
    for r in db.snapshots.aggregate([
        {"$match": match},
        {"$project": {"site_id": 1, "reachable": 1, "homepage.seconds": 1}},
        {"$group": {"_id": "$site_id", "n": {"$sum": 1}, "bad": {"$sum": {"$cond": [{"$eq": ["$reachable", True]}, 0, 1]}},
                    "sec": {"$avg": "$homepage.seconds"}}},
        {"$sort": {"_id": 1}},
    ]):
        if r["_id"] not in wanted:
            continue
        out[r["_id"]] = {"source": "runs", "samples": r["n"], "failures": r["bad"], "avg_seconds": r.get("sec"),
                         "first_failure_at": None, "from": start.isoformat(), "to": end.isoformat()}
    return out


def _probes(db: Database, campaign: str | None) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The probe of each site: in ``campaign``, or else in the newest campaign that probed it."""
    q = {"campaign": campaign} if campaign else {}
    docs = db.probes.find(q, {"events": 0, "subject": 0, "terms": 0}).sort([("site_id", 1), ("sent_at", -1), ("_id", 1)])
    out: dict[str, dict[str, Any]] = {}
    for d in docs:
        out.setdefault(d["site_id"], normalise_probe(d))
    camps = sorted({p["campaign"] for p in out.values() if p.get("campaign")})
    return out, campaign or (", ".join(camps) if camps else None)


def _experts(db: Database) -> dict[str, dict[str, list[tuple[str, float]]]]:
    out: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for r in db.experts.aggregate([
        {"$group": {"_id": {"s": "$site_id", "i": "$indicator"},
                    "scores": {"$push": {"e": "$expert", "v": "$score"}}}},
        {"$sort": {"_id.s": 1, "_id.i": 1}},
    ]):
        rows = sorted((x["e"], float(x["v"])) for x in r["scores"])
        out.setdefault(r["_id"]["s"], {})[r["_id"]["i"]] = rows
    return out


def _days_by_group(by_day: dict[str, dict[str, list[int]]], sites: list[SiteInput]) -> dict[str, dict[str, list[int]]]:
    group_of = {s.site_id: s.group for s in sites}
    out: dict[str, dict[str, list[int]]] = {}
    for sid, days in by_day.items():
        g = group_of.get(sid)
        if g is None:
            continue
        for day, (n, bad) in days.items():
            cell = out.setdefault(g, {}).setdefault(day, [0, 0])
            cell[0] += n
            cell[1] += bad
    return {g: dict(sorted(d.items())) for g, d in sorted(out.items())}
