"""The link check: verdicts (pure) and a real crawl of the sandbox sites that carry dead, failing and
HTML-instead-of-file links."""
from __future__ import annotations

from datetime import date

import pytest

from govcrawl import links, registry
from sandbox import truth
from sandbox.profiles import LINK_TRAPS, build_profiles

from crawling import scrapy_crawl

RUN = "links-1"
SITES = ("binxian", "chunhua", "renfang", "qindu", "changwu")


# ---------------------------------------------------------------------------------------------- pure


def _page(url, status=200, kind=None, role="link", ctype=None, source="home"):
    return {"url": url, "status": status, "role": role, "error": {"kind": kind, "detail": "x"} if kind else None,
            "link": {"from": source, "found_on": "http://x.gov.cn/", "content_type": ctype}}


@pytest.mark.parametrize("url,expected", [
    ("http://x.gov.cn/a/b.doc", True), ("http://x.gov.cn/a/B.PDF", True), ("http://x.gov.cn/f.xlsx?id=3", True),
    ("http://x.gov.cn/pack.zip", True), ("http://x.gov.cn/a/index.html", False), ("http://x.gov.cn/doc/", False),
    ("http://x.gov.cn/download.asp?file=a.doc", False),
])
def test_attachments_are_known_by_their_extension(url, expected):
    assert links.is_attachment(url) is expected


@pytest.mark.parametrize("page,verdict", [
    (_page("http://x.gov.cn/1", 404, "http_status"), links.BROKEN),
    (_page("http://x.gov.cn/2", 410, "http_status"), links.BROKEN),
    (_page("http://y.gov.cn/3", None, "dns"), links.BROKEN),
    (_page("http://x.gov.cn/4", 500, "http_status"), links.SUSPECT),
    (_page("http://x.gov.cn/5", 503, "http_status"), links.SUSPECT),
    (_page("http://x.gov.cn/6", None, "timeout"), links.SUSPECT),
    (_page("http://x.gov.cn/7", None, "connect"), links.SUSPECT),
    (_page("http://x.gov.cn/8", 403, "http_status"), links.SUSPECT),
    (_page("http://x.gov.cn/9", None, "robots"), links.UNCHECKED),
    (_page("http://x.gov.cn/10", 200), links.OK),
])
def test_verdicts(page, verdict):
    assert links.verdict(page) == verdict


def test_summary_keeps_broken_suspect_and_html_attachments_apart():
    pages = [
        {"url": "http://x.gov.cn/", "role": "home", "status": 200,
         "facts": {"link_check": {"queued": 5, "offsite_unchecked": 2, "over_budget": 1}}},
        _page("http://x.gov.cn/gone.html", 410, "http_status", source="column"),
        _page("http://x.gov.cn/err.html", 502, "http_status"),
        _page("http://x.gov.cn/f/a.doc", 200, ctype="text/html; charset=gbk"),
        _page("http://x.gov.cn/f/b.pdf", 200, ctype="application/pdf"),
        _page("http://x.gov.cn/search/", None, "robots"),
        {"url": "http://x.gov.cn/col/", "role": "column", "status": 404, "error": {"kind": "http_status"}},
    ]
    out = links.summarize(pages)
    assert [b["url"] for b in out["broken"]] == ["http://x.gov.cn/col/", "http://x.gov.cn/gone.html"]
    assert [b["url"] for b in out["suspect"]] == ["http://x.gov.cn/err.html"]
    assert [b["url"] for b in out["html_attachments"]] == ["http://x.gov.cn/f/a.doc"]
    assert out["checked"] == 5
    assert out["unchecked_by_reason"] == {"robots": 1, "offsite": 2, "over_budget": 1} and out["unchecked"] == 4
    assert out["broken"][1]["from"] == "column"


def test_attachments_are_checked_first():
    order = links.check_order([{"url": "http://x.gov.cn/a.html"}, {"url": "http://x.gov.cn/b.pdf"}, {"url": "http://x.gov.cn/c.html"}])
    assert [lk["url"] for lk in order] == ["http://x.gov.cn/b.pdf", "http://x.gov.cn/a.html", "http://x.gov.cn/c.html"]


# ---------------------------------------------------------------------------------------------- crawl


@pytest.fixture(scope="module")
def checked(sandbox, test_env):  # noqa: F811
    from govcrawl import store

    db = store.get_db()
    registry.load(db, registry.read_file(sandbox["registry_file"]))
    scrapy_crawl(sandbox, "-a", f"run={RUN}", "-a", f"only={','.join(SITES)}")
    profiles = {p.id: p for p in build_profiles(eval_date=date.fromisoformat(sandbox["eval_date"]))}
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": RUN})}
    return db, profiles, snaps


@pytest.mark.integration
def test_verdicts_match_the_sandbox(checked):
    _, profiles, snaps = checked
    assert set(LINK_TRAPS) <= set(SITES)
    for sid in SITES:
        got = {k: {e["url"] for e in snaps[sid]["links"][k]} for k in ("broken", "suspect", "html_attachments")}
        assert got == truth.expected_links(profiles[sid]), sid
    # The sandbox has each kind somewhere.
    assert all(any(snaps[s]["links"][k] for s in SITES) for k in ("broken", "suspect", "html_attachments"))


@pytest.mark.integration
def test_broken_links_still_means_confirmed_broken_homepage_links(checked):
    _, profiles, snaps = checked
    for sid in SITES:
        assert {b["url"] for b in snaps[sid]["broken_links"]} == truth.expected(profiles[sid])["broken_links"], sid
    gone = [e for e in snaps["binxian"]["links"]["broken"] if e["status"] == 410]
    assert gone and gone[0]["from"] == "column" and "/index.html" in gone[0]["found_on"]


@pytest.mark.integration
def test_each_url_is_checked_once_with_get_only_when_head_is_refused(checked):
    db, _, _ = checked
    stats = db.runs.find_one({"_id": RUN})["stats"]
    checks = list(db.pages.find({"run_id": RUN, "link": {"$ne": None}}))
    # One HEAD per checked URL (robots-blocked ones are never sent), no retries; a GET only after a refused HEAD.
    fallbacks = [p for p in checks if p["link"]["method"] == "GET"]
    assert [p["url"] for p in fallbacks] == ["http://www.chunhua.gov.cn/cms/download.asp?id=7"]
    assert fallbacks[0]["status"] == 200
    assert stats["downloader_request_method_count_HEAD"] == len(checks)
    urls = [p["url"] for p in db.pages.find({"run_id": RUN}, {"url": 1})]
    assert len(urls) == len(set(urls))
    # Links of column pages were checked too, within the per-site budget (GOVCRAWL_LINK_CHECKS_PER_SITE).
    per_site: dict[str, int] = {}
    for p in checks:
        per_site[p["site_id"]] = per_site.get(p["site_id"], 0) + 1
    assert all(n <= 100 for n in per_site.values()) and max(per_site.values()) == 100
    assert sum(1 for p in checks if p["link"]["from"] == "column") > 50


@pytest.mark.integration
def test_real_attachments_pass_and_off_site_links_stay_unchecked(checked):
    db, _, snaps = checked
    pdf = db.pages.find_one({"run_id": RUN, "url": "https://www.qindu.gov.cn/uploads/2007/ndbg.pdf"})
    assert pdf["status"] == 200 and pdf["link"]["content_type"] == "application/pdf"
    assert not snaps["qindu"]["links"]["html_attachments"]
    # ICP and other off-site links point to hosts the sandbox's host map does not list: never fetched.
    assert sum(1 for s in snaps.values() if s["links"]["unchecked_by_reason"]["offsite"] > 0) >= 3
    hosts = {p["url"].split("/")[2] for p in db.pages.find({"run_id": RUN}, {"url": 1})}
    assert all(h.startswith("www.") and (h.endswith(".gov.cn") or h.endswith(".cn")) for h in hosts)
    assert "www.miibeian.gov.cn" not in hosts and "beian.miit.gov.cn" not in hosts
