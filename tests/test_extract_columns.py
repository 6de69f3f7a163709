"""Navigation, sub-menus, side menus, list pages (blank, pagination, more links) on hand-written pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from govcrawl.extract import extract_page
from govcrawl.extract.taxonomy import load_taxonomy

EDGE = Path(__file__).parent / "fixtures" / "pages" / "edge"
NOW = date(2007, 12, 20)


def _page(name: str, url: str, now: date | None = NOW) -> dict:
    return extract_page((EDGE / name).read_bytes(), url, now=now)


def test_table_nav_of_old_sites_with_image_alt_names() -> None:
    f = _page("table-list.html", "http://wjj.xys.gov.cn/tzgg/index.htm")
    assert f["nav_columns"] == ["首页", "机构概况", "通知公告", "政策法规", "办事指南", "表格下载"]
    assert f["page_type"] == "list"
    assert [it["date"] for it in f["items"]] == ["2007-12-14", "2007-12-05", "2007-11-20", "2007-11-02"]
    # a truncated title is completed from the link's title attribute
    assert f["items"][1]["title"] == "关于开展2007年度价格监督检查工作的通知（全文）"
    assert f["items"][2]["date_method"] == "item:ymd-cn"
    assert f["site_name"] == "咸阳市物价局"


def test_table_nav_with_dh_hint_and_spaced_home() -> None:
    f = _page("gbk-declared-gb2312.html", "http://www.zrx.gov.cn/")
    assert f["nav_columns"][0] == "首页"  # written 首&nbsp;&nbsp;页
    assert f["page_type"] == "home"
    cols = {c["name"]: c for c in f["columns"]}
    assert "首页" not in cols
    assert cols["政务动态"]["class"] == "news" and cols["互动交流"]["class"] == "interaction"
    assert [m["block"] for m in f["more_links"]] == ["政务动态", "通知公告"]
    assert [m["url"] for m in f["more_links"]] == ["http://www.zrx.gov.cn/zwdt/", "http://www.zrx.gov.cn/tzgg/"]
    assert f["blank"] is False


def test_script_built_nav_is_flagged_not_guessed() -> None:
    f = _page("script-nav.html", "http://kjj.xys.gov.cn/")
    assert f["nav_columns"] == [] and f["columns"] == []
    assert f["nav_script_built"] is True
    assert f["latest_item_date"] == "2007-12-12"


def test_static_nav_is_not_script_built() -> None:
    f = _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/")
    assert f["nav_columns"] == ["首页", "工作动态", "通知公告", "政策文件", "办事服务"]
    assert f["nav_script_built"] is False


def test_blank_column_with_side_menu() -> None:
    f = _page("blank-column.html", "http://tjj.xys.gov.cn/xxgk/ghjh/")
    assert f["page_type"] == "list"
    assert f["blank"] is True and f["blank_marker"] == "暂无信息"
    assert f["items"] == []
    side = [(c["name"], c["parent"]) for c in f["columns"] if c["level"] == 2]
    assert side == [("公开指南", "信息公开"), ("规划计划", "信息公开"), ("人事信息", "信息公开"), ("财政预决算", "信息公开")]
    classes = {c["name"]: c["class"] for c in f["columns"]}
    assert classes["规划计划"] == "personnel_plan" and classes["人事信息"] == "personnel_plan"
    assert f["breadcrumb"] == ["首页", "信息公开", "规划计划"]


def test_list_with_items_is_not_blank() -> None:
    f = _page("md-dates-year-boundary.html", "http://slj.xys.gov.cn/gzdt/")
    assert f["blank"] is False
    assert f["pagination"] == {"next": "http://slj.xys.gov.cn/gzdt/index_1.html",
                               "last": "http://slj.xys.gov.cn/gzdt/index_2.html", "total_pages": 3}


def test_trs_paging_script() -> None:
    html = ("<html><body><ul class='list'><li><a href='./200712/t20071201_1.html'>关于做好冬季供暖工作的通知</a>"
            "<span>2007-12-01</span></li></ul><script>createPageHTML(25, 0, \"index\", \"html\");</script>"
            "</body></html>")
    f = extract_page(html, "http://www.xys.gov.cn/tzgg/")
    assert f["pagination"] == {"next": "http://www.xys.gov.cn/tzgg/index_1.html",
                               "last": "http://www.xys.gov.cn/tzgg/index_24.html", "total_pages": 25}
    assert f["page_type"] == "list"


def test_nested_ul_sub_menus_and_offsite_links() -> None:
    html = """<html><body>
    <div id="mainnav"><ul>
      <li><a href="/">网站首页</a></li>
      <li><a href="/zwgk/">政务公开</a><ul><li><a href="/zwgk/tzgg/">通知公告</a></li><li><a href="/zwgk/rsxx/">人事信息</a></li></ul></li>
      <li><a href="javascript:void(0)">办事服务</a><div class="sub"><a href="/bsfw/bszn/">办事指南</a> <a href="http://www.sxzwfw.gov.cn/">陕西政务服务网</a></div></li>
      <li><a href="/hdjl/">互动交流</a><ul><li><a href="/hdjl/szxx/">书记信箱</a></li><li><a href="/hdjl/zxft/">在线访谈</a></li></ul></li>
      <li><a href="http://www.sxgov.cn/">陕西省政府</a></li>
    </ul></div>
    <div class="list"><ul><li><a href="/zwgk/tzgg/200712/t20071219_1.html">关于做好元旦春节期间安全工作的通知</a>[12-19]</li></ul></div>
    </body></html>"""
    f = extract_page(html, "http://www.xys.gov.cn/", now=NOW)
    assert f["nav_columns"] == ["网站首页", "政务公开", "办事服务", "互动交流", "陕西省政府"]
    cols = [(c["name"], c["level"], c["parent"]) for c in f["columns"]]
    assert cols == [("政务公开", 1, None), ("互动交流", 1, None),
                    ("通知公告", 2, "政务公开"), ("人事信息", 2, "政务公开"),
                    ("办事指南", 2, "办事服务"),
                    ("书记信箱", 2, "互动交流"), ("在线访谈", 2, "互动交流")]
    assert f["items"] == [{"title": "关于做好元旦春节期间安全工作的通知", "url": "http://www.xys.gov.cn/zwgk/tzgg/200712/t20071219_1.html",
                           "date": "2007-12-19", "date_method": "item:md-bracket+year:now"}]
    assert "领导信箱" in f["interactive_features"] and "在线访谈" in f["interactive_features"]
    assert "人事信息" in f["disclosure_categories"] and "通知公告" in f["disclosure_categories"]


def test_div_menu_with_flat_links_and_utility_bar() -> None:
    html = """<html><body>
    <div class="topbar"><a href="/">设为首页</a> | <a href="/">加入收藏</a> | <a href="/wza/">无障碍</a> | <a href="/en/">English</a></div>
    <div class="daohang"><a href="/">首页</a><a href="/jgzn/">机构职能</a><a href="/xwzx/">新闻中心</a><a href="/xxgk/">信息公开</a><a href="/bsdt/">办事大厅</a></div>
    <div class="footer"><a href="/lxwm/">联系我们</a> | <a href="/wzdt/">网站地图</a> | <a href="/yqlj/">友情链接</a></div>
    </body></html>"""
    f = extract_page(html, "http://www.xys.gov.cn/")
    assert f["nav_columns"] == ["首页", "机构职能", "新闻中心", "信息公开", "办事大厅"]
    assert {"无障碍", "网站地图"} <= set(f["interactive_features"])


def test_taxonomy_column_classes() -> None:
    tax = load_taxonomy()
    assert tax.column_class("通知公告") == "notice_policy"
    assert tax.column_class("政策解读") == "notice_policy"
    assert tax.column_class("工作动态") == "news"
    assert tax.column_class("人事任免") == "personnel_plan"
    assert tax.column_class("规划计划") == "personnel_plan"
    assert tax.column_class("局长信箱") == "interaction"
    assert tax.column_class("政务公开") == "other"
    assert tax.column_class("领导信息") == "other"


def test_taxonomy_synonyms() -> None:
    tax = load_taxonomy()
    assert tax.features.match("市长信箱") == "领导信箱"
    assert tax.features.match("长者模式") == "无障碍"
    assert tax.features.match("关怀版") == "无障碍"
    assert tax.disclosure.match("部门预决算") == "财政信息"
    assert tax.disclosure.match("行政审批") == "行政许可"
    assert tax.disclosure.match("领导信息") == "负责人信息"
    assert tax.disclosure.match("政府信息公开年报") == "公开年报"
    # short synonyms only count for short link texts (not for news titles)
    assert tax.disclosure.match("通知") == "通知公告"
    assert tax.disclosure.match("关于印发工作方案的通知") is None
