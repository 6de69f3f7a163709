"""govcrawl.boards on saved inputs: merging letters seen on lists and detail pages, the lag statistics and
V5 counts, and every sandbox site's board crawled in-process (sandbox.render + extract_page, the spider's
rules) against sandbox.truth.expected_board."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from govcrawl.boards import board_stats, format_summary, merge_letters
from govcrawl.extract import extract_page

BOARDS = Path(__file__).parent / "fixtures" / "pages" / "boards"
TODAY = date(2007, 12, 20)


def _m(title, asked, answered=None, unit=None, status=None, url=None, detail=False):
    m = {"title": title, "asked": asked, "answered": answered, "unit": unit, "status": status, "url": url}
    if detail:
        m["detail"] = True
    return m


def _page(url, *messages, form=None):
    return {"url": url, "facts": {"board_messages": list(messages), "board_form": form}}


LIST = _page("http://x.gov.cn/ly/index.html",
             _m("a", "2007-12-01", "2007-12-03", "科一", "answered", "http://x.gov.cn/ly/a.html"),
             _m("b", "2007-11-01", None, None, None, "http://x.gov.cn/ly/b.html"),      # detail says answered
             _m("c", "2007-06-01", None, None, "unanswered", "http://x.gov.cn/ly/c.html"),  # > 3 months, this year
             _m("d", "2006-10-01", None, None, "unanswered", "http://x.gov.cn/ly/d.html"),  # older than a year
             _m("e", "2007-03-01", "2007-08-01", "科二", "answered", "http://x.gov.cn/ly/e.html"),  # answered late
             _m("f", "2007-09-01", None, None, None, "http://x.gov.cn/ly/f.html"))     # never opened
DETAILS = [
    _page("http://x.gov.cn/ly/b.html", _m("b", "2007-11-01", "2007-11-21", "科三", "answered", "http://x.gov.cn/ly/b.html", True)),
    _page("http://x.gov.cn/ly/a.html", _m("a", "2007-12-01", "2007-12-03", "科一", "answered", "http://x.gov.cn/ly/a.html", True)),
    _page("http://x.gov.cn/ly/write.html", form={"real_name": True, "captcha": False}),
]


def test_a_letter_on_a_list_and_its_detail_page_counts_once():
    letters = merge_letters([DETAILS[0], LIST, DETAILS[1]])
    assert [m["title"] for m in letters] == ["a", "b", "c", "d", "e", "f"]
    b = letters[1]
    assert (b["answered"], b["unit"], b["status"], b["detail"]) == ("2007-11-21", "科三", "answered", True)


def test_a_detail_page_corrects_the_list():
    stale = _page("http://x.gov.cn/ly/c.html", _m("c", "2007-06-01", "2007-06-20", "科四", None, "http://x.gov.cn/ly/c.html", True))
    (c,) = [m for m in merge_letters([LIST, stale]) if m["title"] == "c"]
    assert (c["answered"], c["unit"], c["status"]) == ("2007-06-20", "科四", "answered")


def test_letters_without_links_match_their_detail_page_by_title_and_date():
    listed = _page("http://x.gov.cn/ly/", _m("g", "2007-12-10", None, None, None, None))
    detail = _page("http://x.gov.cn/ly/g.html", _m("g", "2007-12-10", "2007-12-12", "科", "answered", "http://x.gov.cn/ly/g.html", True))
    (g,) = merge_letters([listed, detail])
    assert g["answered"] == "2007-12-12"


def test_stats():
    s = board_stats([LIST] + DETAILS, TODAY)
    assert s["messages_seen"] == 6
    assert (s["answered"], s["unanswered"], s["status_unknown"]) == (3, 2, 1)
    assert s["lag_days"] == {"median": 20, "p90": 153, "max": 153}  # 2, 20, 153
    assert s["unanswered_over_3_months_last_year"] == 1  # c; d is older than a year
    assert s["answered_over_3_months_last_year"] == 1  # e
    assert s["newest_reply_date"] == "2007-12-03" and s["newest_reply_age_days"] == 17
    assert s["oldest_unanswered_asked"] == "2006-10-01"
    assert (s["real_name_required"], s["captcha"], s["form_seen"]) == (True, False, True)
    assert (s["list_pages"], s["detail_pages"]) == (1, 2)


def test_stats_of_nothing():
    s = board_stats([], TODAY)
    assert s["messages_seen"] == 0 and s["lag_days"] == {"median": None, "p90": None, "max": None}
    assert s["newest_reply_date"] is None and s["real_name_required"] is False and s["form_seen"] is False


def test_v5_boundaries():
    # exactly 90 days is not "more than 3 months"; 365 days ago is still within the last year
    pages = [_page("http://x.gov.cn/l", _m("t1", "2007-09-21", status="unanswered", url="http://x.gov.cn/1"),
                   _m("t2", "2007-09-20", status="unanswered", url="http://x.gov.cn/2"),
                   _m("t3", "2006-12-20", status="unanswered", url="http://x.gov.cn/3"),
                   _m("t4", "2006-12-19", status="unanswered", url="http://x.gov.cn/4"))]
    assert board_stats(pages, TODAY)["unanswered_over_3_months_last_year"] == 2  # t2, t3


def test_saved_pages_end_to_end():
    url = "http://www.xysjj.gov.cn/index.php?g=DirectorMail&m=Index&a="
    pages = []
    for name, u in (("minmore-list.html", url + "index"),
                    ("minmore-detail-answered.html", url + "mail&mailid=131"),
                    ("minmore-detail-pending.html", url + "mail&mailid=130"),
                    ("minmore-add.html", url + "add")):
        pages.append({"url": u, "facts": extract_page((BOARDS / name).read_bytes(), u, now=date(2015, 3, 10))})
    s = board_stats(pages, date(2015, 3, 10))
    assert (s["messages_seen"], s["answered"], s["unanswered"]) == (3, 2, 1)
    assert s["lag_days"]["max"] == 4 and s["newest_reply_date"] == "2015-03-06"
    assert (s["real_name_required"], s["captcha"]) == (True, True)


def test_format_summary():
    rows = [{"site_id": "a", "reachable": True, "seen": 3, "answered": 2, "unanswered": 1, "median": 2.5, "p90": 4,
             "max": 4, "over_3_months": 0, "newest_reply": "2007-12-01", "real_name": True, "captcha": False},
            {"site_id": "b", "reachable": True, "seen": 0, "answered": 0, "unanswered": 0, "median": None, "p90": None,
             "max": None, "over_3_months": 0, "newest_reply": None, "real_name": False, "captcha": False},
            {"site_id": "c", "reachable": False, "seen": 0}]
    text = format_summary(rows)
    assert "2.5" in text and "no published letters" in text and "unreachable" in text


# -- every sandbox board, crawled in-process with the spider's rules -----------------------------------------

sandbox_profiles = pytest.importorskip("sandbox.profiles")
from sandbox.boards import board_of  # noqa: E402
from sandbox.render import render  # noqa: E402
from sandbox.truth import expected_board  # noqa: E402

MAX_PAGES, MAX_DETAILS = 5, 12


def _fetch(p, url):
    parts = urlsplit(url)
    resp = render(p, parts.path, scheme=parts.scheme)
    assert resp.status == 200, url
    m = re.search(r"charset=([\w-]+)", resp.header("Content-Type") or "")
    return {"url": url, "facts": extract_page(resp.body, url, now=p.eval_date, http_encoding=m and m.group(1))}


def _crawl(p):
    """The spider's rules: the feature page, its 信件选登 and 我要写信 links, list pages to MAX_PAGES (a list on
    the feature page at least to 3 like a column), details for entries without a reply, MAX_DETAILS a site."""
    b = board_of(p)
    pages = [_fetch(p, p.base_url + f.path) for f in p.features if f.path.startswith("/gzhd/")]
    entry = next((pg for pg in pages if b and pg["url"] == p.base_url + b.entry), None)
    if entry is None:
        return pages
    details = 0
    queue = [(entry, 1)]
    for link in entry["facts"]["links"]:
        if link["text"] in ("信件选登", "我要写信"):
            page = _fetch(p, link["url"])
            pages.append(page)
            if link["text"] == "信件选登":
                queue = [(page, 1)]
    limit = max(MAX_PAGES, 3) if queue[0][0] is entry else MAX_PAGES
    while queue:
        page, n = queue.pop()
        for m in page["facts"]["board_messages"]:
            if not m["answered"] and m["status"] != "unanswered" and details < MAX_DETAILS:
                details += 1
                pages.append(_fetch(p, m["url"]))
        nxt = page["facts"]["pagination"]["next"]
        if nxt and n < limit:
            page = _fetch(p, nxt)
            pages.append(page)
            queue.append((page, n + 1))
    return pages


@pytest.mark.parametrize("later", [0, 14])  # the demo's second run: the same world two weeks on
def test_every_sandbox_board_matches_its_truth(later):
    when = sandbox_profiles.DEFAULT_EVAL_DATE + timedelta(days=later)
    profiles = [p for p in sandbox_profiles.build_profiles(eval_date=when) if p.reachable]
    wrong, boards = [], 0
    for p in profiles:
        want = expected_board(p, MAX_PAGES, max_details=MAX_DETAILS)
        got = board_stats(_crawl(p), p.eval_date)
        boards += bool(want["messages_seen"])
        diff = {k: (got[k], want[k]) for k in want if k in got and got[k] != want[k]}
        if diff:
            wrong.append((p.id, want["layout"], diff))
    assert not wrong, wrong
    assert boards >= 30
