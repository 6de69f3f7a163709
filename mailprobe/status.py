"""``mailprobe status``: a campaign's counts, Kaplan-Meier reply rates, delays and one line per site."""
from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.database import Database

from .stats import kaplan_meier, km_quantile, percentile, rate_at

DAYS = (1, 3, 7, 15, 30)
COUNTS = ("probes", "sent", "failed", "unconfirmed", "bounced", "auto_only", "replied", "waiting")


def _aware(t: Any) -> dt.datetime | None:
    if isinstance(t, dt.datetime):
        return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
    return None


def campaign_names(db: Database) -> list[str]:
    return sorted(db.probes.distinct("campaign"))


def summary(db: Database, campaign: str, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.timezone.utc)
    probes = list(db.probes.find({"campaign": campaign}, {"events": 0, "subject": 0}).sort("site_id", 1))
    counts = dict.fromkeys(COUNTS, 0)
    obs: list[tuple[float, bool]] = []
    delays: list[float] = []
    sites = []
    for p in probes:
        r = p.get("result") or {}
        outcome = r.get("outcome") or ("failed" if p.get("state") == "failed" else "unconfirmed" if p.get("state") == "queued" else "waiting")
        counts["probes"] += 1
        counts[outcome] = counts.get(outcome, 0) + 1
        sent_at = _aware(p.get("sent_at"))
        if p.get("state") == "sent" and sent_at:
            counts["sent"] += 1
            if r.get("replied") and r.get("delay_hours") is not None:
                d = r["delay_hours"] / 24.0
                obs.append((d, True))
                delays.append(r["delay_hours"])
            else:
                obs.append(((now - sent_at).total_seconds() / 86400.0, False))
        sites.append({
            "site_id": p["site_id"], "name": p.get("site_name"), "group": p.get("group"), "to": p.get("to"),
            "outcome": outcome, "sent_at": sent_at.isoformat() if sent_at else None,
            "delay_hours": r.get("delay_hours"), "delay_workdays": r.get("delay_workdays"), "quality": r.get("quality"),
            "bounce": (r.get("bounce") or {}).get("diagnostic") if r.get("bounced") else None,
            "auto_reply": bool(r.get("auto_reply_at")), "challenge": bool(r.get("challenge")),
            "smtp_error": (p.get("smtp_error") or {}).get("message"),
        })
    steps = kaplan_meier(obs)
    km_median = km_quantile(steps, 0.5)
    return {
        "campaign": campaign, "now": now.isoformat(), "counts": counts,
        "reply_rate": {f"{d}d": round(rate_at(steps, d), 4) for d in DAYS},
        "delay_hours": {"median": _r(percentile(delays, 0.5)), "p90": _r(percentile(delays, 0.9)),
                        "km_median_days": _r(km_median)},
        "sites": sites,
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def table(s: dict[str, Any]) -> str:
    c = s["counts"]
    lines = [
        f"campaign {s['campaign']}: {c['probes']} probes, {c['sent']} sent, {c['failed']} failed to send, "
        f"{c['unconfirmed']} unconfirmed, {c['bounced']} bounced, {c['auto_only']} auto-reply only, "
        f"{c['replied']} replied, {c['waiting']} waiting",
        "reply rate (Kaplan-Meier): " + "  ".join(f"{k} {v:.0%}" for k, v in s["reply_rate"].items()),
        "delay of replies: median {} h, p90 {} h".format(
            _fmt(s["delay_hours"]["median"]), _fmt(s["delay_hours"]["p90"])),
        "",
        f"{'site':<14} {'outcome':<11} {'delay h':>8} {'workdays':>8} {'quality':>7}  to / detail",
    ]
    for row in s["sites"]:
        detail = row["to"] or ""
        if row["outcome"] == "bounced" and row["bounce"]:
            detail += "  " + row["bounce"][:60]
        elif row["outcome"] == "failed" and row["smtp_error"]:
            detail += "  " + row["smtp_error"][:60]
        elif row["challenge"]:
            detail += "  (challenge / spam-filter notice received)"
        elif row["outcome"] == "replied" and row["auto_reply"]:
            detail += "  (auto-reply first)"
        lines.append(f"{row['site_id']:<14} {row['outcome']:<11} {_fmt(row['delay_hours']):>8} "
                     f"{_fmt(row['delay_workdays']):>8} {_fmt(row['quality']):>7}  {detail}")
    return "\n".join(lines)


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.1f}"
    return str(x)

