"""The date cascade: formats, labels, traps, year-less list dates, htmldate only as a fallback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from govcrawl.extract import dates, extract_page
from govcrawl.extract.dates import full_dates, month_day, parse_date_string, resolve_month_day, url_date

EDGE = Path(__file__).parent / "fixtures" / "pages" / "edge"


def _page(name: str, url: str, now: date | None = None) -> dict:
    return extract_page((EDGE / name).read_bytes(), url, now=now)


@pytest.mark.parametrize(
    ("text", "expected", "method"),
    [
        ("2007年12月7日", date(2007, 12, 7), "ymd-cn"),
        ("2008年1月7日", date(2008, 1, 7), "ymd-cn"),  # htmldate turns this into 2008-01-01
        ("2021年06月10日 17:35", date(2021, 6, 10), "ymd-cn"),
        ("二〇〇七年十二月七日", date(2007, 12, 7), "ymd-cn-numerals"),
        ("二〇〇八年一月二十一日", date(2008, 1, 21), "ymd-cn-numerals"),
        ("2007-12-07", date(2007, 12, 7), "ymd-sep"),
        ("2007/12/07", date(2007, 12, 7), "ymd-sep"),
        ("2007.12.07", date(2007, 12, 7), "ymd-sep"),
        ("２００７－１２－０７", date(2007, 12, 7), "ymd-sep"),
        ("发布时间：2007-12-07 10:30", date(2007, 12, 7), "ymd-sep"),
    ],
)
def test_full_date_formats(text: str, expected: date, method: str) -> None:
    assert parse_date_string(text) == (expected, method)


@pytest.mark.parametrize("text", ["v1.11.2", "2007-12/07", "2007-13-01", "1.2.3.4", "电话 0745-2210959", "2019年政府工作报告"])
def test_not_dates(text: str) -> None:
    assert full_dates(text) == []


@pytest.mark.parametrize(
    ("text", "md"),
    [("[12-07]", (12, 7)), ("（12/07）", (12, 7)), ("标题 12-07", (12, 7)), ("12月7日", (12, 7)), ("【01-02】", (1, 2))],
)
def test_month_day_forms(text: str, md: tuple[int, int]) -> None:
    found = month_day(text)
    assert found is not None and found[:2] == md


@pytest.mark.parametrize("text", ["10:30", "2007-12-07", "第3-5条", "0745-2210959"])
def test_month_day_rejects(text: str) -> None:
    assert month_day(text) is None


def test_month_day_never_in_the_future() -> None:
    assert resolve_month_day(12, 7, date(2007, 12, 20)) == date(2007, 12, 7)
    assert resolve_month_day(12, 28, date(2008, 1, 3)) == date(2007, 12, 28)  # rolled back a year
    assert resolve_month_day(1, 2, date(2008, 1, 3)) == date(2008, 1, 2)
    assert resolve_month_day(1, 2, date(2007, 12, 30)) == date(2007, 1, 2)
    assert resolve_month_day(2, 29, date(2009, 3, 1)) == date(2008, 2, 29)


def test_url_dates() -> None:
    assert url_date("http://a.gov.cn/zwgk/200712/t20071207_123.html") == (date(2007, 12, 7), True)
    assert url_date("http://a.gov.cn/art/2007/12/7/art_1_2.html") == (date(2007, 12, 7), True)
    assert url_date("http://a.gov.cn/xw/200712/") == (date(2007, 12, 31), False)
    assert url_date("http://a.gov.cn/xw/index.html") is None


def test_year_boundary_late_december() -> None:
    f = _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/", now=date(2007, 12, 30))
    assert [it["date"] for it in f["items"]] == ["2007-01-02", "2007-12-28", "2007-12-07", "2007-11-30"]
    assert f["latest_item_date"] == "2007-12-28"
    assert all(it["date_method"] == "item:md-bracket+year:now" for it in f["items"])


def test_year_boundary_early_january() -> None:
    f = _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/", now=date(2008, 1, 3))
    assert [it["date"] for it in f["items"]] == ["2008-01-02", "2007-12-28", "2007-12-07", "2007-11-30"]
    assert f["latest_item_date"] == "2008-01-02"


def test_year_from_url_when_no_now() -> None:
    f = _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/200801/")
    assert [it["date"] for it in f["items"]] == ["2008-01-02", "2007-12-28", "2007-12-07", "2007-11-30"]
    assert f["items"][0]["date_method"] == "item:md-bracket+year:url"


def test_trap_date_never_gives_the_year() -> None:
    # the only full date on the page is the footer's "今天是2008年1月3日": without now or a URL date
    # the year-less items stay undated instead of trusting it
    f = _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/")
    assert [it["date"] for it in f["items"]] == [None] * 4
    assert f["latest_item_date"] is None
    assert {"kind": "today", "text": "主办：咸阳市水务局 今天是2008年1月3日 星期四"} in f["traps"]


def test_year_from_newest_page_date() -> None:
    f = _page("gbk-declared-gb2312.html", "http://www.zrx.gov.cn/")
    # no now, no URL date: the newest full non-trap date on the page (2007-12-18; the header's 今天是
    # and the footer's 最后更新 dates are traps) gives [12-19] its year
    dated = {it["title"]: (it["date"], it["date_method"]) for it in f["items"]}
    assert dated["关于2007年度政府信息公开工作年度报告的公告"] == ("2007-12-18", "item:ymd-sep")
    assert dated["堃镇召开冬季安全生产工作会议"] == ("2007-12-19", "item:md-bracket+year:page")
    assert dated["县长王喆镕调研农村饮水工程"] == ("2007-12-17", "item:md-bracket+year:page")


def test_home_traps_ignored() -> None:
    f = _page("gbk-declared-gb2312.html", "http://www.zrx.gov.cn/", now=date(2007, 12, 20))
    assert f["latest_item_date"] == "2007-12-19"
    kinds = {t["kind"] for t in f["traps"]}
    assert kinds == {"today", "last_updated"}
    assert all(it["date"] != "2007-12-20" for it in f["items"])


def test_future_items_do_not_count_as_latest() -> None:
    f = _page("table-list.html", "http://wjj.xys.gov.cn/tzgg/index.htm", now=date(2007, 12, 10))
    assert f["latest_item_date"] == "2007-12-05"
    assert f["future_item_dates"] == ["2007-12-14"]


def test_label_priority_over_meta_and_written_date() -> None:
    f = _page("article-labels.html", "http://www.xys.gov.cn/zfwj/200712/t20071205_55.html", now=date(2007, 12, 20))
    assert f["page_type"] == "article"
    assert (f["published_date"], f["published_date_method"]) == ("2007-12-05", "label:发布日期")
    assert {t["kind"] for t in f["traps"]} == {"today", "last_updated"}


def test_cn_numeral_date_under_heading() -> None:
    f = _page("article-cn-numerals.html", "http://www.xys.gov.cn/zfwj/art.html", now=date(2007, 12, 20))
    assert (f["published_date"], f["published_date_method"]) == ("2007-12-03", "text:ymd-cn-numerals")


def test_real_2008_date_not_truncated() -> None:
    html = ("<html><head><title>t</title></head><body><h1>关于春节放假安排的通知</h1>"
            "<p>发布时间：2008年1月7日</p><p>" + "正文内容。" * 60 + "</p></body></html>")
    f = extract_page(html, "http://www.xys.gov.cn/a/content_1.html")
    assert (f["published_date"], f["published_date_method"]) == ("2008-01-07", "label:发布时间")


def test_meta_pubdate_when_no_label() -> None:
    html = ('<html><head><meta name="PubDate" content="2007-12-06 09:30"><title>t</title></head>'
            "<body><h1>关于开展安全检查的通知</h1><p>" + "正文内容。" * 60 + "</p></body></html>")
    f = extract_page(html, "http://www.xys.gov.cn/a/content_1.html")
    assert (f["published_date"], f["published_date_method"]) == ("2007-12-06", "meta:pubdate")


def test_htmldate_not_called_when_the_cascade_finds_a_date(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise AssertionError("htmldate must not run when the cascade found a date")

    monkeypatch.setattr(dates, "_htmldate", boom)
    for name, url in [("article-labels.html", "http://www.xys.gov.cn/zfwj/200712/t20071205_55.html"),
                      ("article-cn-numerals.html", "http://www.xys.gov.cn/zfwj/art.html"),
                      ("gbk-declared-gb2312.html", "http://www.zrx.gov.cn/")]:
        extract_page((EDGE / name).read_bytes(), url, now=date(2007, 12, 20))


def test_htmldate_is_the_last_resort_for_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake(doc: object, now: date | None) -> str:
        calls.append("called")
        return "2007-11-30"

    monkeypatch.setattr(dates, "_htmldate", fake)
    f = _page("article-no-date.html", "http://www.xys.gov.cn/bsfw/content_123.html", now=date(2007, 12, 20))
    assert calls == ["called"]
    assert (f["published_date"], f["published_date_method"]) == ("2007-11-30", "htmldate")
    # not for list pages
    calls.clear()
    _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/", now=date(2008, 1, 3))
    assert calls == []


def test_real_htmldate_fallback_runs_quietly() -> None:
    f = _page("article-no-date.html", "http://www.xys.gov.cn/bsfw/content_123.html", now=date(2007, 12, 20))
    assert f["page_type"] == "article"
    assert f["published_date"] is None or f["published_date_method"] == "htmldate"


def test_update_label_on_a_list_row_is_the_item_date() -> None:
    html = ("<html><body><ul class='list'>"
            "<li><a href='/a/1.html'>关于做好冬季供暖工作的通知</a> 更新时间：2007-12-07</li>"
            "<li><a href='/a/2.html'>关于开展安全生产大检查的通知</a> 更新时间：2007-12-01</li>"
            "</ul><p>网站最后更新：2007-12-19</p></body></html>")
    f = extract_page(html, "http://www.xys.gov.cn/a/", now=date(2007, 12, 20))
    assert [it["date"] for it in f["items"]] == ["2007-12-07", "2007-12-01"]
    assert f["latest_item_date"] == "2007-12-07"
