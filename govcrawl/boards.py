"""Published reply lags: one site's letters of one run (mailbox / message-board lists and detail pages,
``facts["board_messages"]``) -> the snapshot's ``board`` statistics (pure), and the per-run table the demo
prints (``summary``).

A letter seen on a list and on its detail page counts once: letters are keyed by their detail URL (the
list entry's link, the detail page's own URL), or by (title, asked date) when no URL is known; the detail
page's values complete or correct the list's.

Status: "answered" (a reply date, or 已回复), "unanswered" (未回复, an empty reply cell, a detail page
without reply), or unknown (a list entry that says neither and whose detail page was not fetched).
V5 of STANDARDS.md: a letter asked within the last year and still unanswered after 3 months.
"""
from __future__ import annotations

from datetime import date, timedelta
from math import ceil
from statistics import median
from typing import Any, Iterable

__all__ = ["board_stats", "merge_letters", "summary", "UNANSWERED_DAYS", "WINDOW_DAYS"]

#: A letter left unanswered longer than this many days violates V5 ("3 months").
UNANSWERED_DAYS = 90
#: ... when it was asked within this many days before the evaluation date ("within the last year").
WINDOW_DAYS = 365

_FIELDS = ("title", "asked", "answered", "unit", "status")


def _key(m: dict[str, Any]) -> tuple[str, ...]:
    url = m.get("url")
    if url:
        return ("url", url.split("#")[0])
    return ("text", m.get("title") or "", m.get("asked") or "")


def merge_letters(pages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's letters of one site, each once, in the order first seen (list pages before details)."""
    ordered = sorted(pages, key=lambda p: (bool(any(m.get("detail") for m in _messages(p))), p.get("url") or ""))
    merged: dict[tuple[str, ...], dict[str, Any]] = {}
    for page in ordered:
        for m in _messages(page):
            if not m.get("asked"):
                continue
            key = _key(m)
            if key not in merged and m.get("detail"):
                # a detail page whose list entry had no link: match it by title and date
                alt = ("text", m.get("title") or "", m.get("asked") or "")
                key = alt if alt in merged else key
            cur = merged.get(key)
            if cur is None:
                merged[key] = {k: m.get(k) for k in _FIELDS} | {"url": m.get("url"), "detail": bool(m.get("detail"))}
                continue
            if m.get("detail"):  # the detail page says more than the list entry
                for k in ("answered", "unit", "status"):
                    if m.get(k) is not None:
                        cur[k] = m[k]
                if m.get("answered") and m.get("status") is None:
                    cur["status"] = "answered"
                cur["detail"] = True
            for k in _FIELDS:
                if cur.get(k) is None and m.get(k) is not None:
                    cur[k] = m[k]
    out = list(merged.values())
    for m in out:
        if m.get("answered") and m.get("status") is None:
            m["status"] = "answered"
    return out


def _messages(page: dict[str, Any]) -> list[dict[str, Any]]:
    return list((page.get("facts") or {}).get("board_messages") or ())


def _d(s: str | None) -> date | None:
    try:
        return date.fromisoformat(s) if s else None
    except ValueError:
        return None


def board_stats(pages: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """The ``board`` snapshot entry of one site from its pages of one run (``pages`` documents)."""
    letters = merge_letters(pages)
    lags: list[int] = []
    answered = unanswered = late = over = 0
    newest_reply: date | None = None
    oldest_unanswered: date | None = None
    window_start = today - timedelta(days=WINDOW_DAYS)
    for m in letters:
        asked, ans = _d(m.get("asked")), _d(m.get("answered"))
        if m.get("status") == "answered":
            answered += 1
        elif m.get("status") == "unanswered":
            unanswered += 1
            if asked and (today - asked).days > UNANSWERED_DAYS and asked >= window_start:
                over += 1
            if asked and (oldest_unanswered is None or asked < oldest_unanswered):
                oldest_unanswered = asked
        if asked and ans and ans >= asked:
            lag = (ans - asked).days
            lags.append(lag)
            if lag > UNANSWERED_DAYS and asked >= window_start:
                late += 1
            if newest_reply is None or ans > newest_reply:
                newest_reply = ans
    lags.sort()
    forms = [f for p in pages for f in [(p.get("facts") or {}).get("board_form")] if f]
    lists = sorted({p.get("url") for p in pages if any(not m.get("detail") for m in _messages(p))})
    return {
        "messages_seen": len(letters),
        "answered": answered,
        "unanswered": unanswered,
        "status_unknown": len(letters) - answered - unanswered,
        "lag_days": {
            "median": median(lags) if lags else None,
            "p90": lags[ceil(0.9 * len(lags)) - 1] if lags else None,  # nearest rank
            "max": lags[-1] if lags else None,
        },
        "unanswered_over_3_months_last_year": over,
        "answered_over_3_months_last_year": late,
        "newest_reply_date": newest_reply.isoformat() if newest_reply else None,
        "newest_reply_age_days": (today - newest_reply).days if newest_reply else None,
        "oldest_unanswered_asked": oldest_unanswered.isoformat() if oldest_unanswered else None,
        # any posting form seen on the site needs it (False when no form was seen: see form_seen)
        "real_name_required": any(f.get("real_name") for f in forms),
        "captcha": any(f.get("captcha") for f in forms),
        "form_seen": bool(forms),
        "list_pages": len(lists),
        "detail_pages": sum(1 for p in pages if any(m.get("detail") for m in _messages(p))),
    }


def summary(db: Any, run_id: str) -> list[dict[str, Any]]:
    """One row per site of a run (snapshots' ``board``): the reply-lag table of the demo and reports,
    sites that publish letters first (most V5 violations first), then the others."""
    rows = []
    for s in db.snapshots.find({"run_id": run_id}, {"site_id": 1, "name": 1, "group": 1, "reachable": 1, "board": 1}
                               ).sort([("site_id", 1)]):
        b = s.get("board") or {}
        lag = b.get("lag_days") or {}
        rows.append({
            "site_id": s["site_id"], "name": s.get("name"), "group": s.get("group"),
            "reachable": bool(s.get("reachable")), "seen": b.get("messages_seen", 0),
            "answered": b.get("answered", 0), "unanswered": b.get("unanswered", 0),
            "median": lag.get("median"), "p90": lag.get("p90"), "max": lag.get("max"),
            "over_3_months": b.get("unanswered_over_3_months_last_year", 0),
            "newest_reply": b.get("newest_reply_date"), "real_name": b.get("real_name_required", False),
            "captcha": b.get("captcha", False),
        })
    rows.sort(key=lambda r: (r["seen"] == 0, -r["over_3_months"], -(r["median"] or 0), r["site_id"]))
    return rows


def format_summary(rows: list[dict[str, Any]]) -> str:
    """The rows of ``summary`` as an aligned text table."""
    head = f"{'site':<12}{'seen':>5}{'ans':>5}{'unans':>6}{'median':>8}{'p90':>5}{'max':>5}{'>3mo':>6}  {'newest reply':<12}  login captcha"
    lines = [head]
    for r in rows:
        if not r["reachable"]:
            lines.append(f"{r['site_id']:<12}  unreachable")
            continue
        if not r["seen"]:
            lines.append(f"{r['site_id']:<12}  no published letters" + ("  (real-name form)" if r["real_name"] else ""))
            continue
        med = "-" if r["median"] is None else f"{r['median']:g}"
        lines.append(f"{r['site_id']:<12}{r['seen']:>5}{r['answered']:>5}{r['unanswered']:>6}{med:>8}"
                     f"{'-' if r['p90'] is None else r['p90']:>5}{'-' if r['max'] is None else r['max']:>5}"
                     f"{r['over_3_months']:>6}  {r['newest_reply'] or '-':<12}  {'yes' if r['real_name'] else 'no':<5} "
                     f"{'yes' if r['captcha'] else 'no'}")
    return "\n".join(lines)
