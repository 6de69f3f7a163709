"""Published reply lags through the real engine: a crawl of sandbox sites with message boards in every
layout (tables with 来信时间/回复时间, a 状态 column, labelled list items, lists whose replies are only on
detail pages; lists on the feature page or behind 信件选登), compared with sandbox.truth.expected_board."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from govcrawl import registry
from govcrawl.boards import format_summary, summary
from sandbox import truth
from sandbox.boards import board_of
from sandbox.profiles import build_profiles

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]

#: A bound below what some boards need, so that the sample of detail pages is exercised too.
MAX_DETAILS = 15
MAX_BOARD_PAGES = 4
# table inline / table_status linked + real name + captcha / list linked / detail linked + form page /
# detail inline / poor table / poor table_status on a wrong-charset site / very poor / script nav /
# no board / unreachable
SITES = ("qindu", "weicheng", "wugong", "xingping", "guotu", "binxian", "guangdian", "fupin", "lvyou",
         "changwu", "liangshi")
KEYS = ("messages_seen", "answered", "unanswered", "status_unknown", "lag_days", "unanswered_over_3_months_last_year",
        "answered_over_3_months_last_year", "newest_reply_date", "oldest_unanswered_asked", "real_name_required",
        "captcha")


@pytest.fixture(scope="module")
def crawled(sandbox, test_env):
    from govcrawl import store

    db = store.get_db()
    registry.load(db, registry.read_file(sandbox["registry_file"]))
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "run=boards-1", "-a", f"only={','.join(SITES)}",
           "-s", f"GOVCRAWL_HOST_MAP={sandbox['hostmap_file']}", "-s", f"GOVCRAWL_EVAL_DATE={sandbox['eval_date']}",
           "-s", f"GOVCRAWL_MAX_BOARD_DETAILS={MAX_DETAILS}", "-s", f"GOVCRAWL_MAX_BOARD_PAGES={MAX_BOARD_PAGES}",
           "-s", "LOG_LEVEL=WARNING", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for marker in ("Spider error processing", "Error processing", 'File "' + str(ROOT / "govcrawl")):
        assert marker not in proc.stderr, proc.stderr[-3000:]
    profiles = {p.id: p for p in build_profiles(eval_date=date.fromisoformat(sandbox["eval_date"])) if p.id in SITES}
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": "boards-1"})}
    return db, profiles, snaps


def test_the_sites_cover_every_layout(crawled):
    _, profiles, _ = crawled
    boards = [board_of(p) for p in profiles.values()]
    assert {b.layout for b in boards if b} == {"table", "table_status", "list", "detail"}
    assert {b.variant for b in boards if b} == {"inline", "linked"}
    assert {b.form for b in boards if b} == {"inline", "page"}
    assert any(b and b.real_name for b in boards) and any(b and b.captcha for b in boards)
    assert any(b is None for b in boards)


@pytest.mark.parametrize("key", KEYS)
def test_board_matches_the_sandbox(crawled, key):
    _, profiles, snaps = crawled
    wrong = []
    for sid, p in sorted(profiles.items()):
        want = truth.expected_board(p, MAX_BOARD_PAGES, max_details=MAX_DETAILS)
        got = snaps[sid]["board"]
        if got[key] != want[key]:
            wrong.append((sid, want["layout"], got[key], want[key]))
    assert not wrong, wrong


def test_poor_sites_break_v5_and_excellent_ones_do_not(crawled):
    _, profiles, snaps = crawled
    by_tier = {}
    for sid, p in profiles.items():
        by_tier.setdefault(p.tier, []).append(snaps[sid]["board"])
    assert all(b["unanswered_over_3_months_last_year"] == 0 and b["lag_days"]["max"] <= 4
               for b in by_tier["excellent"] if b["messages_seen"])
    assert all(b["unanswered_over_3_months_last_year"] > 0 for b in by_tier["poor"] if b["messages_seen"])
    assert sum(b["messages_seen"] > 0 for b in by_tier["poor"]) >= 2


def test_list_and_detail_pages_count_once_and_bounds_hold(crawled):
    db, profiles, snaps = crawled
    assert db.pages.count_documents({"run_id": "boards-1", "fetches": {"$gt": 1}}) == 0
    for sid, p in profiles.items():
        b = board_of(p)
        board = snaps[sid]["board"]
        details = db.pages.count_documents({"run_id": "boards-1", "site_id": sid, "role": "board",
                                            "board": {"$exists": False}, "column.board": "detail"})
        assert details <= MAX_DETAILS, sid
        if b is None:
            continue
        assert board["list_pages"] == min(b.page_count, max(MAX_BOARD_PAGES, 3) if b.variant == "inline" else MAX_BOARD_PAGES), sid
        # every letter shown on a crawled list page is counted once, however many pages showed it
        assert board["messages_seen"] == len({m["url"] for d in db.pages.find({"run_id": "boards-1", "site_id": sid})
                                              for m in (d.get("facts") or {}).get("board_messages") or ()}), sid
    # column statistics keep their own bound: no board page was stored as a fourth column page
    assert db.pages.count_documents({"run_id": "boards-1", "role": "column", "column.page": {"$gt": 3}}) == 0


def test_summary_rows(crawled):
    db, profiles, snaps = crawled
    rows = summary(db, "boards-1")
    assert [r["site_id"] for r in rows if r["seen"]] == sorted(
        (sid for sid in profiles if snaps[sid]["board"]["messages_seen"]),
        key=lambda s: (-snaps[s]["board"]["unanswered_over_3_months_last_year"],
                       -(snaps[s]["board"]["lag_days"]["median"] or 0), s))
    text = format_summary(rows)
    assert "liangshi" in text and "unreachable" in text and "changwu" in text
