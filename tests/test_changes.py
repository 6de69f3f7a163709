"""Change between runs: pure comparison on saved item lists, the homepage item ledger on undated pages, and two
real crawls of the sandbox at two evaluation dates (the sandbox clock advanced between them)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from govcrawl import changes, registry
from govcrawl.finalize import build_run_snapshots
from sandbox import truth
from sandbox.profiles import build_profiles
from sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parents[1]
D1, D2 = date(2007, 12, 20), date(2008, 1, 3)


def it(n: int, d: str | None = None, title: str | None = None) -> dict:
    return {"title": title or f"item {n}", "url": f"http://x.gov.cn/a/{n}.html" if n else None, "date": d}


def keyed(*items: dict) -> dict:
    return {changes.item_key(i): i for i in items}


# -- pure ----------------------------------------------------------------------------------------------------


def test_compare_items_kinds():
    prev = keyed(it(1, "2007-12-10"), it(2, "2007-12-09"), it(3, "2007-12-01"), it(4, "2007-11-01"), it(5, "2007-10-01"))
    cur = keyed(it(9, "2008-01-20"), it(8, "2008-01-02"), it(1, "2007-12-10"), it(3, "2008-01-03"), it(4, "2007-11-01"))
    d = changes.compare_items(prev, cur, D2, prev_complete=False, cur_complete=False)
    assert [i["url"][-6:] for i in d["new"]] == ["9.html", "8.html"]
    assert [i["url"][-6:] for i in d["disappeared"]] == ["2.html"]  # within the crawled range: withdrawn
    assert [i["url"][-6:] for i in d["dropped_off"]] == ["5.html"]  # older than anything crawled now: pushed down
    assert d["date_changed"] == [{"title": "item 3", "url": "http://x.gov.cn/a/3.html", "old": "2007-12-01", "new": "2008-01-03"}]
    assert [i["date"] for i in d["future"]] == ["2008-01-20"]
    # an old item the previous run's pages did not reach is not new; with a complete previous list it is
    older = keyed(it(1, "2007-12-10"), it(6, "2007-06-01"))
    assert changes.compare_items(keyed(it(1, "2007-12-10")), older, D2, prev_complete=False)["new"] == []
    assert len(changes.compare_items(keyed(it(1, "2007-12-10")), older, D2, prev_complete=True)["new"]) == 1


def test_items_without_links_are_keyed_by_title():
    assert changes.item_key({"title": " 关于  做好 工作的通知 ", "url": None}) == "title:关于 做好 工作的通知"
    assert changes.item_key({"title": "", "url": ""}) is None
    assert changes.item_key({"url": "http://a.gov.cn/x.html#top"}) == "http://a.gov.cn/x.html"


def test_ledger_freshness_rules():
    f = changes.ledger_freshness(date(2008, 1, 20), 0, "2008-01-01", None, 14)
    assert f["homepage_stale_ledger"] is True and f["homepage_days_since_new"] == 19
    assert changes.ledger_freshness(date(2008, 1, 10), 0, "2008-01-01", None, 14)["homepage_stale_ledger"] is None
    f = changes.ledger_freshness(date(2008, 1, 20), 2, "2008-01-01", "2008-01-10", 14)
    assert f["homepage_stale_ledger"] is False and f["homepage_last_new_seen"] == "2008-01-10"


# -- ledger through build_run_snapshots, on a homepage without dates ------------------------------------------


def _run(db, run_id: str, eval_date: str, started: datetime, titles: list[str]) -> None:
    db.runs.insert_one({"_id": run_id, "spider": "portals", "started_at": started, "eval_date": eval_date,
                        "site_ids": ["plain"], "status": "finished"})
    db.pages.insert_one({"run_id": run_id, "site_id": "plain", "url": "http://www.plain.gov.cn/", "final_url": "http://www.plain.gov.cn/",
                         "role": "home", "status": 200, "fetched_at": started, "seconds": 0.1, "size": 3000,
                         "facts": {"title": "某县人民政府", "items": [{"title": t, "url": None, "date": None} for t in titles]}})


def test_ledger_on_undated_homepages(db):
    registry.load(db, [registry.Site(id="plain", name="某县人民政府", group="county", url="http://www.plain.gov.cn/")])
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    _run(db, "r1", "2008-01-01", t0, ["县政府召开常务会议研究部署工作", "关于做好冬季安全生产工作的通知"])
    _run(db, "r2", "2008-01-10", t0 + timedelta(days=9), ["县政府召开常务会议研究部署工作", "关于做好冬季安全生产工作的通知"])
    _run(db, "r3", "2008-01-20", t0 + timedelta(days=19), ["县政府召开常务会议研究部署工作", "关于做好冬季安全生产工作的通知"])
    _run(db, "r4", "2008-01-24", t0 + timedelta(days=23), ["县长深入基层调研春节市场供应", "县政府召开常务会议研究部署工作"])
    for r in ("r1", "r2", "r3", "r4"):
        build_run_snapshots(db, r)

    def fresh(r):
        return db.snapshots.find_one({"run_id": r})["freshness"]

    assert fresh("r1")["homepage_new_items"] is None and fresh("r1")["homepage_stale_ledger"] is None
    # no dates on the page: the date-based judgement says stale from the start, the ledger says "too early"
    assert fresh("r2")["homepage_stale"] is True
    assert fresh("r2")["homepage_new_items"] == 0 and fresh("r2")["homepage_stale_ledger"] is None
    assert fresh("r3")["homepage_new_items"] == 0 and fresh("r3")["homepage_stale_ledger"] is True
    assert fresh("r3")["homepage_days_since_new"] == 19 and fresh("r3")["homepage_ledger_since"] == "2008-01-01"
    assert fresh("r4")["homepage_new_items"] == 1 and fresh("r4")["homepage_last_new_seen"] == "2008-01-24"
    assert fresh("r4")["homepage_stale_ledger"] is False
    assert db.homepage_items.count_documents({"site_id": "plain"}) == 3
    # rebuilding an older run later gives the same answer (the ledger keeps the first run of each item)
    build_run_snapshots(db, "r3")
    assert fresh("r3")["homepage_new_items"] == 0 and fresh("r3")["homepage_stale_ledger"] is True
    first = db.homepage_items.find_one({"key": "title:县政府召开常务会议研究部署工作"})
    assert first["first"]["run_id"] == "r1" and first["last"]["run_id"] == "r4"
    changes_r4 = db.snapshots.find_one({"run_id": "r4"})["changes"]
    assert changes_r4["previous_run"] == "r3" and changes_r4["homepage"]["new"] == 1 and changes_r4["homepage"]["left"] == 1


# -- two real crawls of the sandbox, two weeks apart ---------------------------------------------------------

SITES = ["qindu", "xingping", "binxian", "fangguan", "changwu", "lvyou", "sanyuan", "jingyang"]


def crawl(hostmap: Path, run: str, day: date) -> None:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", f"run={run}", "-a", f"only={','.join(SITES)}",
           "-s", f"GOVCRAWL_HOST_MAP={hostmap}", "-s", f"GOVCRAWL_EVAL_DATE={day}", "-s", "LOG_LEVEL=WARNING",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
           # list pages are what changes are judged on: no articles, link checks or evidence (faster)
           "-s", "GOVCRAWL_ARTICLES_PER_COLUMN=0", "-s", "GOVCRAWL_MAX_LINK_CHECKS=0", "-s", "GOVCRAWL_LINK_CHECKS_PER_SITE=0",
           "-s", "GOVCRAWL_EVIDENCE=False", "-s", "GOVCRAWL_MAX_BOARD_DETAILS=0"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def two_runs(test_env, tmp_path_factory):
    from govcrawl import store

    folder = tmp_path_factory.mktemp("changes")
    db = store.get_db()
    for name in ("sites", "runs", "pages", "snapshots", "homepage_items"):
        db[name].delete_many({})
    with Sandbox(build_profiles()) as sb:
        hostmap = {h: {str(k): v for k, v in ports.items()} for h, ports in sb.hostmap().items()}
        (folder / "hostmap.json").write_text(json.dumps(hostmap))
        (folder / "sites.yaml").write_text(yaml.safe_dump(sb.registry(), allow_unicode=True))
        registry.load(db, registry.read_file(folder / "sites.yaml"))
        crawl(folder / "hostmap.json", "chg-1", D1)
        sb.set_date(D2)
        crawl(folder / "hostmap.json", "chg-2", D2)
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": "chg-2"})}
    return db, snaps


def expected_changes(sid: str, per_column: dict | None = None) -> dict[str, int]:
    """The per-site totals a crawl bounded to 3 list pages must see between D1 and D2 (from the profiles)."""
    a = {p.id: p for p in build_profiles(eval_date=D1)}[sid]
    b = {p.id: p for p in build_profiles(eval_date=D2)}[sid]
    tot = {"new_items": 0, "disappeared_items": 0, "date_changed": 0}
    per_column = {} if per_column is None else per_column
    keys_a = {c.key for c in a.columns}
    for col_b in truth.crawled_columns(b):
        if col_b.key not in keys_a:
            continue  # a column opened since: its items are not "new items" of a compared column
        col_a = a.column(col_b.key)
        seen_a = col_a.items[: truth.item_count(col_a, 3)]
        seen_b = col_b.items[: truth.item_count(col_b, 3)]
        if not seen_a or not seen_b:
            continue
        ua, ub = {i.url: i for i in seen_a}, {i.url: i for i in seen_b}
        complete_a, complete_b = len(col_a.items) <= len(seen_a), len(col_b.items) <= len(seen_b)
        oldest_a, oldest_b = min(i.date for i in seen_a), min(i.date for i in seen_b)
        new = sum(1 for u, i in ub.items() if u not in ua and (complete_a or i.date > oldest_a))
        per_column[b.base_url + col_b.path] = new
        tot["new_items"] += new
        tot["disappeared_items"] += sum(1 for u, i in ua.items() if u not in ub and (complete_b or i.date > oldest_b))
        tot["date_changed"] += sum(1 for u, i in ub.items() if u in ua and ua[u].date != i.date)
    return tot


def test_first_run_has_no_changes_second_run_has(two_runs):
    db, snaps = two_runs
    for s in db.snapshots.find({"run_id": "chg-1"}):
        assert s["changes"] is None and (s["freshness"] or {}).get("homepage_new_items") is None
    for sid in SITES:
        ch = snaps[sid]["changes"]
        assert ch["previous_run"] == "chg-1" and ch["previous_eval_date"] == "2007-12-20", sid
    assert snaps["qindu"]["eval_date"] == "2008-01-03"


@pytest.mark.parametrize("sid", SITES)
def test_changes_match_the_sandbox_timeline(two_runs, sid):
    """Per navigation column, the crawl's new / disappeared / re-dated counts are the profiles' (other list
    pages the crawler follows, e.g. published letters behind a feature link, are not part of this truth)."""
    _, snaps = two_runs
    per_column: dict[str, int] = {}
    want = expected_changes(sid, per_column)
    cols = [c for c in snaps[sid]["changes"]["columns"] if c["url"] in per_column]
    got = {"new_items": sum(c["new"] for c in cols), "disappeared_items": sum(c["disappeared"] for c in cols),
           "date_changed": sum(c["date_changed"] for c in cols)}
    assert got == want, {u: ([c["new"] for c in cols if c["url"] == u], n) for u, n in per_column.items()}
    assert snaps[sid]["changes"]["totals"]["new_items"] >= got["new_items"]


def test_new_items_withdrawn_item_and_forged_date(two_runs):
    _, snaps = two_runs
    assert snaps["qindu"]["changes"]["totals"]["new_items"] > 20  # an excellent site publishes daily
    assert snaps["changwu"]["changes"]["totals"]["new_items"] == 0  # a very poor one does not
    # xingping withdrew one item (shown in its column and in the parent page aggregating it)
    a = {p.id: p for p in build_profiles(eval_date=D1)}["xingping"]
    b = {p.id: p for p in build_profiles(eval_date=D2)}["xingping"]
    gone = {a.base_url + u for u in set(a.articles) - set(b.articles)}
    assert len(gone) == 1
    nav = {b.base_url + c.path for c in truth.crawled_columns(b)}
    seen_gone = {i["url"] for c in snaps["xingping"]["changes"]["columns"] if c["url"] in nav for i in c["disappeared_items"]}
    assert seen_gone == gone
    flags = snaps["binxian"]["changes"]["forged_date_flags"]
    assert [(f["reason"], f["new"]) for f in flags if f["reason"] == "date_changed"] == [("date_changed", "2008-01-03")]
    fut = [f for f in snaps["fangguan"]["changes"]["forged_date_flags"] if f["reason"] == "future"]
    assert [f["new"] for f in fut] == ["2008-01-30"]


def test_homepage_ledger_across_the_two_runs(two_runs):
    _, snaps = two_runs
    assert snaps["qindu"]["freshness"]["homepage_new_items"] > 0
    assert snaps["qindu"]["freshness"]["homepage_last_new_seen"] == "2008-01-03"
    assert snaps["changwu"]["freshness"]["homepage_new_items"] == 0
    assert snaps["changwu"]["freshness"]["homepage_last_new_seen"] is None
    assert snaps["changwu"]["freshness"]["homepage_days_since_new"] == 14


def test_columns_added_and_removed(two_runs):
    _, snaps = two_runs
    assert [c["name"] for c in snaps["sanyuan"]["changes"]["columns_added"]] == ["迎新春专栏"]
    assert snaps["sanyuan"]["changes"]["columns_removed"] == []
    assert [c["name"] for c in snaps["jingyang"]["changes"]["columns_removed"]] == ["文化旅游"]
    assert snaps["jingyang"]["changes"]["totals"]["columns_removed"] == 1
    assert snaps["qindu"]["changes"]["columns_added"] == snaps["qindu"]["changes"]["columns_removed"] == []
