"""``python -m govcrawl demo``: the whole evaluation on the sandbox portals, with nothing to install by hand.

Starts the sandbox (59 portals on 127.0.0.1 behind real-looking hostnames) as a separate process,
loads its registry, crawls every portal with ``scrapy crawl portals`` through the host-map switch,
and prints a per-group summary.  The sandbox is test scaffolding: govcrawl talks to it only through
the registry file and the host map, exactly as it would talk to the real sites.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from govcrawl import registry, store
from govcrawl.spiders.portals import new_run_id

ROOT = Path(__file__).resolve().parents[1]


class DemoError(RuntimeError):
    pass


def start_sandbox(workdir: Path) -> tuple[subprocess.Popen, dict[str, Any]]:
    """Start ``python -m sandbox serve`` and wait for the state file it writes when ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    state = workdir / "sandbox.json"
    state.unlink(missing_ok=True)
    log = open(workdir / "sandbox.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--state", str(state)],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 60
    while not state.exists():
        if proc.poll() is not None:
            raise DemoError(f"the sandbox exited with code {proc.returncode}; see {workdir / 'sandbox.log'}")
        if time.monotonic() > deadline:
            proc.terminate()
            raise DemoError("the sandbox did not start within 60 s")
        time.sleep(0.1)
    return proc, json.loads(state.read_text("utf-8"))


def crawl(run_id: str, host_map: str, eval_date: str, extra: list[str] | None = None, progress: bool = True) -> int:
    """Run ``scrapy crawl portals`` in a child process (a Twisted reactor runs once per process)."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", f"run={run_id}",
           "-s", f"GOVCRAWL_HOST_MAP={host_map}", "-s", f"GOVCRAWL_EVAL_DATE={eval_date}",
           "-s", f"GOVCRAWL_PROGRESS={1 if progress else 0}", "-s", "LOG_LEVEL=CRITICAL",
           # Script-built menus rendered in Chromium (only the pages that need it).
           "-s", "GOVCRAWL_RENDER=auto", *(extra or [])]
    return subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode


def group_summary(db: Any, run_id: str) -> list[dict[str, Any]]:
    """Per group: sites, reachable, unreachable (with reasons), blank and stale columns, stale homepages, features."""
    rows: dict[str, dict[str, Any]] = {}
    for snap in db.snapshots.find({"run_id": run_id}).sort("site_id", 1):
        row = rows.setdefault(snap["group"], {"group": snap["group"], "sites": 0, "reachable": 0, "unreachable": [],
                                              "blank_columns": 0, "stale_columns": 0, "stale_homepages": 0,
                                              "features": 0, "disclosure": 0, "columns": 0})
        row["sites"] += 1
        if not snap["reachable"]:
            row["unreachable"].append(f"{snap['name']} ({snap['failure']['kind']})")
            continue
        row["reachable"] += 1
        fr = snap["freshness"]
        row["blank_columns"] += fr["blank_columns"]
        row["stale_columns"] += fr["stale_columns"]
        row["stale_homepages"] += int(fr["homepage_stale"])
        row["features"] += len(snap["feature_names"])
        row["disclosure"] += len(snap["disclosure_names"])
        row["columns"] += fr["columns_total"]
    return [rows[g] for g in sorted(rows)]


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where CJK characters take two columns."""
    shown = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def print_summary(rows: list[dict[str, Any]], out: Any = sys.stdout) -> None:
    names = {"county": "county 县市区政府", "department": "department 市直部门"}
    out.write(f"\n{_pad('group', 24)}{'sites':>6}{'reach':>7}{'columns':>9}{'blank':>7}{'stale':>7}{'stale home':>12}{'features/site':>15}{'disclosure/site':>17}\n")
    for r in rows:
        n = max(r["reachable"], 1)
        out.write(f"{_pad(names.get(r['group'], r['group']), 24)}{r['sites']:>6}{r['reachable']:>7}{r['columns']:>9}"
                  f"{r['blank_columns']:>7}{r['stale_columns']:>7}{r['stale_homepages']:>12}"
                  f"{r['features'] / n:>15.1f}{r['disclosure'] / n:>17.1f}\n")
    for r in rows:
        if r["unreachable"]:
            out.write(f"无法打开 unreachable ({r['group']}): {', '.join(r['unreachable'])}\n")


#: How the demo's simulated mailboxes answer, by the sandbox site's tier (every outcome kind occurs).
RESPONDERS_BY_TIER = {
    "excellent": ("prompt", "gbk", "html_only", "prompt"),
    "good": ("prompt", "no_in_reply_to", "late", "html_only"),
    "fair": ("late", "auto_only", "challenge", "prompt"),
    "poor": ("auto_only", "silent", "full", "late"),
    "very_poor": ("silent", "dead", "auto_only"),
    "unreachable": ("dead", "silent"),
}


def responder_profiles(profiles: list[Any]) -> dict[str, str]:
    """One responder profile per sandbox site, cycling through its tier's list in id order."""
    out, seen = {}, {}
    for p in sorted(profiles, key=lambda p: p.id):
        kinds = RESPONDERS_BY_TIER[p.tier]
        out[p.id] = kinds[seen.get(p.tier, 0) % len(kinds)]
        seen[p.tier] = seen.get(p.tier, 0) + 1
    return out


def _mail_campaign(db: Any, state: dict[str, Any]) -> None:
    """A test consultation e-mailed to every site's mailbox in a local mail world, and its table."""
    from datetime import date

    from mailprobe import demo as mail_demo
    from sandbox.profiles import build_profiles

    print("\nmail probe: a consultation to every site's mailbox (local Postfix + Dovecot, simulated replies) ...")
    answers = responder_profiles(build_profiles(eval_date=date.fromisoformat(state["eval_date"])))
    try:
        result = mail_demo.run(db, responder_profiles=answers)
    except Exception as exc:  # noqa: BLE001 - the crawl results above stand on their own
        print(f"mail probe skipped: {type(exc).__name__}: {exc} (it needs root and Postfix + Dovecot: bash scripts/setup.sh)")
        return
    print(result.table)


def _reply_lags(db: Any, run_id: str) -> None:
    """The reply lags the sites publish on their mailbox / message-board lists."""
    from govcrawl.boards import format_summary, summary

    print("\npublished reply lags (领导信箱/留言板 lists):")
    print(format_summary(summary(db, run_id)))


def _scores(db: Any, run_id: str, state: dict[str, Any], out_dir: Path) -> None:
    """Sample expert scores and votes, both scoring models, and the reports evaluators hand in."""
    from datetime import date

    from sandbox.profiles import build_profiles  # the demo's experts know the sandbox sites' real quality
    from scoring import demo as scoring_demo

    print("\nscoring: sample expert scores and public votes imported; both models ...")
    profiles = build_profiles(eval_date=date.fromisoformat(state["eval_date"]))
    scoring_demo.print_summary(scoring_demo.run(db, run_id, out_dir, sites_profiles=profiles))


def run_demo(keep_running: bool = False) -> int:
    workdir = store.var_dir() / "demo"
    print("govcrawl demo: starting the embedded database and the sandbox portals ...")
    db = store.get_db()
    proc, state = start_sandbox(workdir)
    try:
        sites = registry.read_file(state["registry_file"])
        res = registry.load(db, sites)
        print(f"registry: {len(sites)} sites ({res.added} added, {res.updated} updated, {res.unchanged} unchanged); "
              f"sandbox on 127.0.0.1:{state['http_port']}, evaluation date {state['eval_date']}")
        run_id = new_run_id()
        print(f"crawl run {run_id}:")
        code = crawl(run_id, state["hostmap_file"], state["eval_date"])
        if code != 0:
            print(f"error: the crawl exited with code {code}", file=sys.stderr)
            return 1
        print_summary(group_summary(db, run_id))
        _reply_lags(db, run_id)
        from govcrawl.uptime_demo import demo_section  # uptime rounds, availability, a second crawl two weeks later

        demo_section(db, state)
        _mail_campaign(db, state)
        _scores(db, run_id, state, workdir / "report")
        print(f"\nQuery the results: python -m govcrawl db status   (then e.g. db.snapshots.find({{run_id: '{run_id}'}}))")
        if keep_running:
            print("sandbox left running (Ctrl-C to stop)")
            proc.wait()
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
