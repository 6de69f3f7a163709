"""E-mail addresses, identity marks, the site name and published message-board letters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from govcrawl.extract import extract_page

EDGE = Path(__file__).parent / "fixtures" / "pages" / "edge"


def _page(name: str, url: str) -> dict:
    return extract_page((EDGE / name).read_bytes(), url, now=date(2007, 12, 20))


def test_obfuscated_and_plain_emails() -> None:
    f = _page("obfuscated-emails.html", "http://www.xys.gov.cn/lxwm/index.html")
    assert f["emails"] == ["xxgk@xys.gov.cn", "webmaster@xys.gov.cn", "jzxx@xys.gov.cn", "tousu@xys.gov.cn",
                           "jiandu@xys.gov.cn", "bgs@xys.gov.cn"]
    forms = {e["address"]: e["form"] for e in f["email_forms"]}
    assert forms == {"xxgk@xys.gov.cn": "obfuscated", "webmaster@xys.gov.cn": "obfuscated",
                     "jzxx@xys.gov.cn": "obfuscated", "tousu@xys.gov.cn": "obfuscated",
                     "jiandu@xys.gov.cn": "obfuscated", "bgs@xys.gov.cn": "mailto"}


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("信箱：xxgk#xys.gov.cn", ["xxgk@xys.gov.cn"]),
        ("信箱：xxgk(at)xys.gov.cn", ["xxgk@xys.gov.cn"]),
        ("信箱：xxgk[at]xys.gov.cn", ["xxgk@xys.gov.cn"]),
        ("信箱：xxgk AT xys.gov.cn", ["xxgk@xys.gov.cn"]),
        ("信箱：xxgk＠xys.gov.cn", ["xxgk@xys.gov.cn"]),
        ("信箱：XXGK@XYS.GOV.CN 或 xxgk@xys.gov.cn", ["xxgk@xys.gov.cn"]),
        ("颜色 #ffffff，锚点 index.html#top，价格 10#20", []),
        ("@xys.gov.cn 与 user@ 都不完整", []),
    ],
)
def test_email_forms(snippet: str, expected: list[str]) -> None:
    f = extract_page(f"<html><body><p>{snippet}</p></body></html>", "http://www.xys.gov.cn/")
    assert f["emails"] == expected


def test_mailto_with_query_and_several_addresses() -> None:
    html = '<a href="mailto:A@xys.gov.cn,b@xys.gov.cn?subject=%E5%92%A8%E8%AF%A2">写信</a>'
    f = extract_page(html, "http://www.xys.gov.cn/")
    assert f["emails"] == ["a@xys.gov.cn", "b@xys.gov.cn"]
    assert {e["form"] for e in f["email_forms"]} == {"mailto"}


def test_identity_from_meta_and_jiucuo() -> None:
    html = ('<html><head><meta name="SiteIDCode" content="6104000001"></head><body>'
            '<p>京<span>ICP</span>备<span>05070218</span>号</p><p>陕公网安备：61040202000123号</p></body></html>')
    f = extract_page(html, "http://www.xys.gov.cn/")
    assert f["identity"] == {"site_code": "6104000001", "icp": "京ICP备05070218号", "psb": "陕公网安备：61040202000123号",
                             "party_badge": False}
    html2 = '<html><body><script id="_jiucuo_" sitecode="bm14000002" src="x.js"></script></body></html>'
    assert extract_page(html2, "http://www.xys.gov.cn/")["identity"]["site_code"] == "bm14000002"


def test_badge_needs_image_or_link() -> None:
    script_only = ('<html><body><script>document.write(unescape("%3Cspan id=\'_ideConac\' %3E%3C/span%3E%3Cscript '
                   'src=\'http://dcs.conac.cn/js/27/1.js\'%3E%3C/script%3E"));</script></body></html>')
    assert extract_page(script_only, "http://www.xys.gov.cn/")["identity"]["party_badge"] is False
    img = '<html><body><span id="_ideConac"><img src="//dcs.conac.cn/image/red.png"></span></body></html>'
    assert extract_page(img, "http://www.xys.gov.cn/")["identity"]["party_badge"] is True


@pytest.mark.parametrize(
    ("footer", "name"),
    [
        ("主办单位：咸阳市人民政府办公室　承办：咸阳市信息中心", "咸阳市人民政府办公室"),
        ("主办：咸阳市秦都区人民政府 | 网站地图", "咸阳市秦都区人民政府"),
        ("咸阳市渭城区人民政府主办", "咸阳市渭城区人民政府"),
        ("版权所有：咸阳市统计局 技术支持：某某公司", "咸阳市统计局"),
        ("Copyright © 2005-2007 咸阳市物价局 版权所有", "咸阳市物价局"),
        ("2016 © 版权归广州市南沙区人民政府所有", "广州市南沙区人民政府"),
    ],
)
def test_site_name(footer: str, name: str) -> None:
    f = extract_page(f"<html><head><title>首页</title></head><body><div class='footer'><p>{footer}</p></div></body></html>",
                     "http://www.xys.gov.cn/")
    assert f["site_name"] == name


def test_site_name_from_title_when_no_footer() -> None:
    f = extract_page("<html><head><title>首页 - 咸阳市教育局</title></head><body></body></html>", "http://www.xys.gov.cn/")
    assert (f["site_name"], f["site_name_source"]) == ("咸阳市教育局", "title")


def test_board_messages_table_and_labelled_blocks() -> None:
    f = _page("board-messages.html", "http://jtj.xys.gov.cn/hdjl/jzxx/")
    assert f["board_messages"] == [
        {"title": "312国道咸阳段路面破损何时维修？", "asked": "2007-11-02", "answered": "2007-11-09", "unit": "公路管理局",
         "status": "answered", "url": "http://jtj.xys.gov.cn/xx/1.html"},
        {"title": "咨询农村客运班线开通事宜", "asked": "2007-12-01", "answered": None, "unit": None,
         "status": "unanswered", "url": "http://jtj.xys.gov.cn/xx/2.html"},
        {"title": "询问驾校收费标准", "asked": "2007-10-08", "answered": "2007-10-30", "unit": "运输管理处",
         "status": "answered", "url": None},
    ]


def test_no_board_messages_elsewhere() -> None:
    assert _page("table-list.html", "http://wjj.xys.gov.cn/tzgg/index.htm")["board_messages"] == []
