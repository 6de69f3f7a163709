"""The snapshot builder on hand-made pages: tree, blanks, staleness, failures, broken links."""
from __future__ import annotations

from datetime import datetime, timezone

from govcrawl.registry import Site
from govcrawl.snapshot import build_snapshot

SITE = Site(id="qindu", name="咸阳市秦都区人民政府", group="county", url="http://www.qindu.gov.cn/")
RUN = {"_id": "r1", "eval_date": "2007-12-20", "started_at": datetime(2007, 12, 20, tzinfo=timezone.utc)}
T = datetime(2007, 12, 20, 2, tzinfo=timezone.utc)


def page(url, role, facts=None, column=None, status=200, error=None):
    return {"run_id": "r1", "site_id": "qindu", "url": url, "final_url": url, "role": role, "status": status,
            "fetched_at": T, "facts": facts or {}, "column": column, "error": error}


def col(url, name, page_no=1, level=1):
    return {"url": url, "name": name, "page": page_no, "level": level}


HOME = page("http://www.qindu.gov.cn/", "home", {
    "site_name": "咸阳市秦都区人民政府", "nav_columns": ["首页", "新闻中心", "政务公开", "通知公告"],
    "columns": [
        {"name": "新闻中心", "url": "http://www.qindu.gov.cn/xwzx/", "level": 1, "class": "news"},
        {"name": "政务公开", "url": "http://www.qindu.gov.cn/zwgk/", "level": 1, "class": "other"},
        {"name": "通知公告", "url": "http://www.qindu.gov.cn/tzgg/index.html", "level": 1, "class": "notice_policy"},
        {"name": "外站", "url": "http://www.xianyang.gov.cn/", "level": 1, "class": "other"},
    ],
    "items": [{"title": "a", "url": "http://www.qindu.gov.cn/xwzx/200712/t20071218_1.html", "date": "2007-12-18"},
              {"title": "future", "url": "http://www.qindu.gov.cn/xwzx/200801/t20080105_2.html", "date": "2008-01-05"}],
    "disclosure": [{"name": "公开指南", "url": "http://www.qindu.gov.cn/zwgk/gkzn/", "label": "公开指南"}],
    "features": [{"name": "领导信箱", "url": "http://www.qindu.gov.cn/ldxx/", "label": "区长信箱"}],
    "emails": ["qdzf@qindu.gov.cn"], "email_forms": [{"address": "qdzf@qindu.gov.cn", "form": "obfuscated"}],
    "identity": {"site_code": "6104020001", "icp": None, "psb": None, "party_badge": False},
})


def test_tree_counts_dates_and_flags():
    pages = [
        HOME,
        page("http://www.qindu.gov.cn/xwzx/", "column", {"items": [{"date": "2007-12-18"}, {"date": "2007-11-02"}]},
             col("http://www.qindu.gov.cn/xwzx/", "新闻中心")),
        page("http://www.qindu.gov.cn/xwzx/index_1.html", "column", {"items": [{"date": "2007-10-01"}]},
             col("http://www.qindu.gov.cn/xwzx/", "新闻中心", 2)),
        page("http://www.qindu.gov.cn/zwgk/", "column", {"columns": [
            {"name": "公开指南", "url": "http://www.qindu.gov.cn/zwgk/gkzn/", "level": 2, "class": "other"},
            {"name": "人事信息", "url": "http://www.qindu.gov.cn/zwgk/rsxx/", "level": 2, "class": "personnel_plan"}]},
             col("http://www.qindu.gov.cn/zwgk/", "政务公开")),
        page("http://www.qindu.gov.cn/zwgk/gkzn/", "column", {"blank": True}, col("http://www.qindu.gov.cn/zwgk/gkzn/", "公开指南", level=2)),
        page("http://www.qindu.gov.cn/zwgk/rsxx/", "column", {"items": [{"date": "2006-06-01"}]},
             col("http://www.qindu.gov.cn/zwgk/rsxx/", "人事信息", level=2)),
        page("http://www.qindu.gov.cn/tzgg/index.html", "column", {"items": [{"date": "2007-05-01"}]},
             col("http://www.qindu.gov.cn/tzgg/index.html", "通知公告")),
        page("http://www.qindu.gov.cn/dead.html", "link", status=404, error={"kind": "http_status", "detail": "HTTP 404"}),
    ]
    snap = build_snapshot(SITE, pages, RUN)
    assert snap["reachable"] and snap["failure"] is None
    cols = {c["name"]: c for c in snap["columns"]}
    assert list(cols) == ["新闻中心", "政务公开", "通知公告", "公开指南", "人事信息"]  # no off-site column
    assert cols["新闻中心"]["item_count"] == 3 and cols["新闻中心"]["newest_date"] == "2007-12-18"
    assert not cols["新闻中心"]["stale"] and cols["新闻中心"]["list_pages"] == 2
    assert cols["政务公开"]["has_children"] and not cols["政务公开"]["blank"]  # an index of sub-columns is not blank
    assert cols["公开指南"]["blank"] and cols["公开指南"]["parent"] == "政务公开" and cols["公开指南"]["level"] == 2
    assert cols["人事信息"]["stale"] and cols["人事信息"]["long_overdue"]  # 567 days > 365
    assert cols["通知公告"]["age_days"] == 233 and cols["通知公告"]["stale"]  # > 180 days for notice/policy
    fr = snap["freshness"]
    assert fr["homepage_latest_date"] == "2007-12-18" and fr["homepage_age_days"] == 2 and not fr["homepage_stale"]
    assert (fr["blank_columns"], fr["stale_columns"], fr["long_overdue_columns"]) == (1, 2, 1)
    assert [f["date"] for f in snap["future_items"]] == ["2008-01-05"]  # never counted as the newest item
    assert snap["broken_links"] == [{"url": "http://www.qindu.gov.cn/dead.html", "status": 404, "kind": "http_status", "role": "link"}]
    assert snap["feature_names"] == ["领导信箱"] and snap["disclosure_names"] == ["公开指南"]
    assert snap["emails"][0]["form"] == "obfuscated"
    assert snap["domain"] == {"host": "www.qindu.gov.cn", "gov_cn": True, "https": False}


def test_unreachable_site_keeps_its_reason():
    home = page("http://www.qindu.gov.cn/", "home", status=None, error={"kind": "dns", "detail": "DNSLookupError"})
    snap = build_snapshot(SITE, [home], RUN)
    assert snap["reachable"] is False
    assert snap["failure"]["kind"] == "dns" and "DNS" in snap["failure"]["reason"]
    assert snap["columns"] == [] and snap["freshness"] is None


def test_site_never_fetched_is_unreachable_not_missing():
    snap = build_snapshot(SITE, [], RUN)
    assert snap["reachable"] is False and snap["failure"]["detail"] == "homepage never fetched"
