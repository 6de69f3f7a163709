"""A real crawl of the 59 sandbox portals through the Scrapy engine into the database, compared with
the ground truth of every site profile."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from govcrawl import registry
from sandbox import truth
from sandbox.profiles import build_profiles
from crawling import scrapy_crawl
from truthcheck import FIELDS, differences

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def crawled(sandbox, test_env):
    from govcrawl import store

    db = store.get_db()
    registry.load(db, registry.read_file(sandbox["registry_file"]))
    scrapy_crawl(sandbox, "-a", "run=itest-1")
    profiles = build_profiles(eval_date=date.fromisoformat(sandbox["eval_date"]))
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": "itest-1"})}
    return db, profiles, snaps


def test_every_site_has_one_snapshot_and_the_run_is_closed(crawled):
    db, profiles, snaps = crawled
    assert sorted(snaps) == sorted(p.id for p in profiles)
    assert len(snaps) == 59
    run = db.runs.find_one({"_id": "itest-1"})
    assert run["status"] == "finished" and run["finished_at"] >= run["started_at"]
    # Pages are stored once per URL, and no URL was fetched twice.
    assert db.pages.count_documents({"run_id": "itest-1", "fetches": {"$gt": 1}}) == 0
    groups = {}
    for s in snaps.values():
        groups[s["group"]] = groups.get(s["group"], 0) + 1
    assert groups == {"county": 13, "department": 46}


def test_unreachable_sites_say_why(crawled):
    _, profiles, snaps = crawled
    expected = {p.id: truth.expected(p) for p in profiles}
    unreachable = {sid: s["failure"]["kind"] for sid, s in snaps.items() if not s["reachable"]}
    assert unreachable == {sid: e["failure_kind"] for sid, e in expected.items() if not e["reachable"]}
    assert len(unreachable) == 4


@pytest.mark.parametrize("field", FIELDS)
def test_snapshots_match_the_profiles(crawled, field):
    _, profiles, snaps = crawled
    wrong = [d for p in profiles if p.reachable for d in differences(snaps[p.id], truth.expected(p), (field,))]
    assert not wrong, "\n".join(map(str, wrong[:20])) + f"\n({len(wrong)} differences)"


COMPARED = ("reachable", "nav_columns", "columns", "disclosure_names", "feature_names", "emails", "identity",
            "broken_links", "freshness", "homepage_latest")


def _crawled(snap):
    """The compared facts; freshness without the homepage ledger's keys, which depend on the earlier runs."""
    from govcrawl.changes import LEDGER_KEYS

    out = {k: snap[k] for k in COMPARED}
    if out["freshness"]:
        out["freshness"] = {k: v for k, v in out["freshness"].items() if k not in LEDGER_KEYS}
    return out


def _same(snap_a, snap_b):
    return _crawled(snap_a) == _crawled(snap_b)


def test_only_limits_the_crawl_and_robots_is_honoured_unless_turned_off(crawled, sandbox):
    db, profiles, snaps = crawled
    # Sites whose robots.txt disallows /search/ were not searched in the full run...
    blocked = [p for p in profiles if p.reachable and p.robots == "disallow"]
    assert blocked, "the sandbox must have sites with a restrictive robots.txt"
    ids = sorted(p.id for p in blocked)[:2]
    for sid in ids:
        fenced = [d for d in db.pages.find({"run_id": "itest-1", "site_id": sid}) if "/search/" in d["url"] or "/calendar/" in d["url"]]
        assert fenced, sid  # linked from the homepage...
        assert all(d["status"] is None and d["error"]["kind"] == "robots" for d in fenced), sid  # ...never fetched
    # ...and are with -a robots=off, which only crawls the sites named by -a only.
    scrapy_crawl(sandbox, "-a", "run=itest-robots-off", "-a", f"only={','.join(ids)}", "-a", "robots=off")
    assert sorted(s["site_id"] for s in db.snapshots.find({"run_id": "itest-robots-off"})) == ids
    assert db.runs.find_one({"_id": "itest-robots-off"})["settings"]["robots"] is False
    off = [d for d in db.pages.find({"run_id": "itest-robots-off"}) if "/search/" in d["url"] or "/calendar/" in d["url"]]
    assert off and all(d["status"] == 200 for d in off)


def test_an_interrupted_run_resumes_without_refetching(crawled, sandbox, tmp_path):
    db, profiles, snaps = crawled
    ids = ["qindu", "renshi", "jingyang", "changwu", "liangshi"]
    job = ["-a", "run=itest-resume", "-a", f"only={','.join(ids)}", "-s", f"JOBDIR={tmp_path / 'job'}"]
    scrapy_crawl(sandbox, *job, "-s", "CLOSESPIDER_PAGECOUNT=120")
    first = db.runs.find_one({"_id": "itest-resume"})
    assert first["status"] == "interrupted" and first["close_reason"] == "closespider_pagecount"
    partial = db.pages.count_documents({"run_id": "itest-resume"})
    scrapy_crawl(sandbox, *job)
    run = db.runs.find_one({"_id": "itest-resume"})
    assert run["status"] == "finished" and run["attempts"] == 2
    total = db.pages.count_documents({"run_id": "itest-resume"})
    assert total > partial
    assert db.pages.count_documents({"run_id": "itest-resume", "fetches": {"$gt": 1}}) == 0
    for sid in ids:
        resumed = db.snapshots.find_one({"run_id": "itest-resume", "site_id": sid})
        assert _same(resumed, snaps[sid]), sid


def test_rebuilding_snapshots_is_idempotent(crawled):
    from govcrawl.finalize import build_run_snapshots

    db, _, snaps = crawled
    assert build_run_snapshots(db, "itest-1") == 59
    assert db.snapshots.count_documents({"run_id": "itest-1"}) == 59
    again = {s["site_id"]: s for s in db.snapshots.find({"run_id": "itest-1"})}
    assert all(_same(again[sid], snaps[sid]) for sid in snaps)


def test_the_same_crawl_runs_against_whatever_mongo_uri_names(sandbox, tmp_path):
    """With MONGO_URI set nothing is started: the crawl writes to that server (here a separately run
    SecantusDB standing in for a production MongoDB)."""
    import pymongo

    from govcrawl.store import EmbeddedServer

    external = EmbeddedServer(tmp_path / "external")
    info = external.start()
    try:
        env_var = tmp_path / "var-unused"
        env = dict(os.environ, MONGO_URI=info.uri, MONGO_DB="prod", GOVCRAWL_VAR=str(env_var),
                   SCRAPY_SETTINGS_MODULE="govcrawl.settings")
        load = subprocess.run([sys.executable, "-m", "govcrawl", "sites", "load", sandbox["registry_file"]],
                              env=env, capture_output=True, text=True, timeout=120)
        assert load.returncode == 0, load.stderr
        crawl = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "only=qindu,kexie", "-a", "run=ext-1",
                                "-s", f"GOVCRAWL_HOST_MAP={sandbox['hostmap_file']}", "-s", f"GOVCRAWL_EVAL_DATE={sandbox['eval_date']}",
                                "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        with pymongo.MongoClient(info.uri, serverSelectionTimeoutMS=5000) as client:
            snaps = {s["site_id"]: s for s in client.prod.snapshots.find({"run_id": "ext-1"})}
            assert client.prod.sites.count_documents({}) == 59
        assert snaps["qindu"]["reachable"] and snaps["qindu"]["columns"]
        assert snaps["kexie"]["failure"]["kind"] == "connect"
        assert not (env_var / "db").exists()  # no embedded server was started
    finally:
        external.stop()
