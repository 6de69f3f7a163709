"""The demo's share of issue 3: uptime rounds against flapping sandbox homepages, availability per site, and a
second crawl after the sandbox's clock has moved on, with the change between the two runs.

Called by govcrawl/demo.py with the sandbox's state (``python -m sandbox serve --state``); it steers the
sandbox only through its control endpoint (Host ``sandbox.control`` on its HTTP port) and talks to the
portals through the host map, as it would talk to the real sites.
"""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def control(state: dict[str, Any], method: str, target: str) -> dict[str, Any]:
    """Call the sandbox's control endpoint (GET /state, POST /clock?date=, POST /flaky?on=)."""
    conn = http.client.HTTPConnection("127.0.0.1", int(state["http_port"]), timeout=30)
    try:
        conn.request(method, target, headers={"Host": "sandbox.control"})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise RuntimeError(f"sandbox control {method} {target}: HTTP {resp.status} {body[:200]!r}")
    return json.loads(body)


def uptime_rounds(state: dict[str, Any], rounds: int, interval: float, extra: list[str] | None = None) -> int:
    """``scrapy crawl uptime -a rounds=N -a interval=S`` in a child process, through the host map."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "uptime", "-a", f"rounds={rounds}", "-a", f"interval={interval}",
           "-s", f"GOVCRAWL_HOST_MAP={state['hostmap_file']}", "-s", "LOG_LEVEL=CRITICAL", *(extra or [])]
    return subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode


@dataclass
class UptimeResult:
    docs: list[dict[str, Any]]
    table: str


def run(state: dict[str, Any], db: Any, rounds: int = 8, interval: float = 0.5) -> UptimeResult:
    """Turn the sandbox's flaky homepages on, run ``rounds`` uptime rounds, turn them off again, and compute
    (and store) each site's availability over the window those rounds cover."""
    from govcrawl import availability

    started = datetime.now(timezone.utc)
    control(state, "POST", "/flaky?on=1&reset=1")
    try:
        code = uptime_rounds(state, rounds, interval)
    finally:
        control(state, "POST", "/flaky?on=0")
    if code != 0:
        raise RuntimeError(f"scrapy crawl uptime exited with code {code}")
    end = datetime.now(timezone.utc)
    window = end - started + timedelta(seconds=1)
    docs = availability.evaluate(db, end, window)
    return UptimeResult(docs, format_availability(docs, rounds))


def format_availability(docs: list[dict[str, Any]], rounds: int) -> str:
    bad = [d for d in docs if d["failures"] or (d["seconds"]["median"] or 0) >= 1.0]
    lines = [f"{'site':<13}{'visits':>7}{'failed':>7}{'share':>8}{'median s':>10}  failures by class"]
    for d in sorted(bad, key=lambda d: (-(d["share"] or 0), d["site_id"])):
        med = d["seconds"]["median"]
        lines.append(f"{d['site_id']:<13}{d['visits']:>7}{d['failures']:>7}{(d['share'] or 0):>8.0%}"
                     f"{'-' if med is None else f'{med:.2f}':>10}  "
                     + ", ".join(f"{k} {n}" for k, n in d["kinds"].items()))
    ok = len(docs) - sum(1 for d in docs if d["failures"])
    verdicts = {v: sum(1 for d in docs if d["verdict"] == v) for v in ("veto", "pass", "insufficient_data")}
    lines.append(f"{ok} of {len(docs)} sites answered all {rounds} rounds; V2 verdicts: {verdicts['veto']} veto, "
                 f"{verdicts['pass']} pass, {verdicts['insufficient_data']} insufficient data "
                 f"(the veto needs >= 20 visits a day, 30 min apart, for 7 days: cron, see README)")
    return "\n".join(lines)


def advance_clock(state: dict[str, Any], day: date | str) -> str:
    """Move the sandbox's evaluation date forward; returns the new date (ISO)."""
    return control(state, "POST", f"/clock?date={day}")["eval_date"]


def _pad(text: str, width: int) -> str:
    shown = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def changes_table(db: Any, run_id: str) -> str:
    """Per group: what changed since the previous run, and the homepage ledger's verdicts."""
    rows: dict[str, dict[str, Any]] = {}
    flags: list[str] = []
    for s in db.snapshots.find({"run_id": run_id}).sort("site_id", 1):
        r = rows.setdefault(s["group"], {"sites": 0, "compared": 0, "new": 0, "gone": 0, "redated": 0, "future": 0,
                                         "home_new": 0, "no_new": 0, "cols": 0})
        r["sites"] += 1
        ch = s.get("changes")
        if not ch:
            continue
        t = ch["totals"]
        r["compared"] += 1
        r["new"] += t["new_items"]
        r["gone"] += t["disappeared_items"]
        r["redated"] += t["date_changed"]
        r["future"] += t["future_items"]
        r["cols"] += t["columns_added"] + t["columns_removed"]
        fr = s.get("freshness") or {}
        r["home_new"] += int((fr.get("homepage_new_items") or 0) > 0)
        r["no_new"] += int(fr.get("homepage_new_items") == 0)
        for f in ch.get("forged_date_flags") or ():
            flags.append(f"{s['name']}: {f['reason']} {f.get('old') or ''}->{f['new']} {f.get('title') or ''}"[:110])
    names = {"county": "county 县市区政府", "department": "department 市直部门"}
    lines = [f"{'group':<22}{'compared':>9}{'new items':>11}{'withdrawn':>11}{'re-dated':>10}{'future':>8}"
             f"{'home new':>10}{'home none':>11}"]
    for g in sorted(rows):
        r = rows[g]
        lines.append(f"{_pad(names.get(g, g), 22)}{r['compared']:>9}{r['new']:>11}{r['gone']:>11}{r['redated']:>10}"
                     f"{r['future']:>8}{r['home_new']:>10}{r['no_new']:>11}")
    if flags:
        lines.append("forged-date flags for a person (V1):")
        lines.extend("  " + f for f in flags[:8])
        if len(flags) > 8:
            lines.append(f"  ... {len(flags) - 8} more (snapshots.changes.forged_date_flags)")
    return "\n".join(lines)


#: The evaluation date the sandbox moves to for the second crawl (two weeks after its default 2007-12-20).
LATER = "2008-01-03"


def demo_section(db: Any, state: dict[str, Any], rounds: int = 8, interval: float = 0.5) -> int:
    """Print the demo's uptime rounds, availability, the second crawl at a later sandbox date and the change
    between the runs (govcrawl/demo.py calls this after the first crawl).  Returns 0, or 1 if a step failed."""
    from govcrawl.demo import crawl
    from govcrawl.spiders.portals import new_run_id

    print(f"\nuptime: {rounds} rounds of homepage checks {interval:g} s apart (15 s limit); some sandbox homepages "
          "flap or answer slowly ...")
    try:
        up = run(state, db, rounds, interval)
    except Exception as exc:  # noqa: BLE001 - the crawl results above stand on their own
        print(f"uptime checks failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(up.table)
    later = advance_clock(state, LATER)
    run2 = new_run_id()
    print(f"\nsandbox clock advanced to {later} (two weeks later); crawl run {run2}:")
    code = crawl(run2, state["hostmap_file"], later)
    if code != 0:
        print(f"error: the second crawl exited with code {code}", file=sys.stderr)
        return 1
    print("\nchange since the previous run (snapshots.changes; homepage item ledger):")
    print(changes_table(db, run2))
    return 0
