"""Published letters and posting forms on saved pages: templates of a real government CMS (MinMoreCMS
局长信箱, filled with sample letters) and hand-written layouts (tests/fixtures/pages/README.md)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from govcrawl.extract import extract_page

BOARDS = Path(__file__).parent / "fixtures" / "pages" / "boards"
MAIL = "http://www.xysjj.gov.cn/index.php?g=DirectorMail&m=Index&a="


def _page(name: str, url: str) -> dict:
    return extract_page((BOARDS / name).read_bytes(), url, now=date(2007, 12, 20))


def test_status_table_with_a_bare_time_column() -> None:
    f = _page("minmore-list.html", MAIL + "index")
    assert [(m["title"], m["asked"], m["answered"], m["unit"], m["status"]) for m in f["board_messages"]] == [
        ("世纪大道路口信号灯配时过短", "2015-03-02", None, "秩序科", "answered"),
        ("驾驶证期满换证需要哪些材料", "2015-02-27", None, "车管所", "unanswered"),
        ("违章停车罚单申诉", "2015-02-20", None, "法制科", "answered"),
    ]
    assert f["board_messages"][1]["url"] == "http://www.xysjj.gov.cn/index.php?g=DirectorMail&m=Index&a=mail&mailid=130"
    assert f["board_form"] is None  # a list without a form


@pytest.mark.parametrize(("name", "answered", "status"), [
    ("minmore-detail-answered.html", "2015-03-06", "answered"),
    ("minmore-detail-pending.html", None, "unanswered"),  # 办理时间 暂无, 办事状态 待处理
])
def test_detail_page_label_cells(name: str, answered: str | None, status: str) -> None:
    url = MAIL + "mail&mailid=1"
    (m,) = _page(name, url)["board_messages"]
    assert m["detail"] is True and m["url"] == url
    assert (m["answered"], m["status"]) == (answered, status)
    assert m["asked"] in ("2015-03-02", "2015-02-27") and m["unit"] in ("秩序科", "车管所")
    assert m["title"] in ("世纪大道路口信号灯配时过短", "驾驶证期满换证需要哪些材料")


def test_posting_form_with_id_number_and_captcha() -> None:
    f = _page("minmore-add.html", MAIL + "add")
    assert f["board_form"] == {"real_name": True, "captcha": True}
    assert f["board_messages"] == []


def test_list_items_with_and_without_reply_dates() -> None:
    f = _page("edge-list-items.html", "http://www.xysmzj.gov.cn/hdjl/index.html")
    got = [(m["title"], m["asked"], m["answered"], m["unit"], m["status"]) for m in f["board_messages"]]
    assert got == [
        ("城区低保复核何时公示？", "2007-12-03", "2007-12-06", "社会救助科", "answered"),
        ("养老院床位收费标准", "2007-11-28", None, None, "unanswered"),  # [未回复]
        ("婚姻登记处周六是否办公", "2007-08-01", None, None, "unanswered"),  # 留言时间： and the date apart, 办理中
        ("殡葬改革补贴发放", "2007-07-05", None, None, None),  # the list does not say: the detail page will
    ]
    assert f["board_messages"][1]["url"] == "http://www.xysmzj.gov.cn/hdjl/ly/2007/1128.html"
    assert f["board_form"] is None  # a search form is not a posting form
    texts = {link["text"] for link in f["links"]}
    assert {"我要写信", "信件选登"} <= texts


def test_gb2312_detail_lines_and_a_real_name_login() -> None:
    url = "http://www.xysmzj.gov.cn/hdjl/ly/2007/1128.html"
    f = _page("edge-detail-lines.html", url)
    assert f["board_messages"] == [{"title": "养老院床位收费标准", "asked": "2007-11-28", "answered": "2007-12-14",
                                    "unit": "社会福利科", "status": "answered", "url": url, "detail": True}]
    assert f["board_form"] == {"real_name": True, "captcha": True}


@pytest.mark.parametrize(("html", "expected"), [
    # a plain message form: no real name, no captcha
    ('<form method="post"><input name="name"/><textarea name="content"></textarea><input type="submit"/></form>',
     {"real_name": False, "captcha": False}),
    # a captcha named only by its image
    ('<form method="post"><textarea name="c"></textarea><img src="/servlet/ValidateCodeServlet"/></form>',
     {"real_name": False, "captcha": True}),
    # a member login box on a page that does not ask for a login before writing is not a posting form
    ('<form method="post"><input name="u"/><input type="password" name="p"/></form>', None),
    ('<p>请先登录后再写信</p><form method="post"><input name="u"/><input type="password" name="p"/></form>',
     {"real_name": True, "captcha": False}),
    ('<form action="/search"><input name="q"/></form>', None),
])
def test_board_form_cases(html: str, expected: dict | None) -> None:
    f = extract_page(f"<html><body>{html}</body></html>", "http://www.xys.gov.cn/hdjl/ly.html")
    assert f["board_form"] == expected


def test_a_detail_row_of_labels_and_dates_is_not_a_header() -> None:
    html = ("<table><tr><td>来信时间</td><td>2007-11-02</td><td>回复时间</td><td>2007-11-09</td></tr>"
            "<tr><td>来信内容</td><td colspan='3'>路灯不亮</td></tr><tr><td>答复单位</td><td>城管局</td>"
            "<td>答复内容</td><td>已修复</td></tr></table>")
    f = extract_page(f"<html><head><title>路灯不亮-信箱</title></head><body>{html}</body></html>",
                     "http://www.xys.gov.cn/xx/1.html")
    assert f["board_messages"] == [{"title": "路灯不亮", "asked": "2007-11-02", "answered": "2007-11-09", "unit": "城管局",
                                    "status": "answered", "url": "http://www.xys.gov.cn/xx/1.html", "detail": True}]


def test_no_letters_on_ordinary_pages() -> None:
    f = extract_page("<html><body><ul><li><a href='/a.html'>通知</a> 发布时间：2007-12-01</li></ul></body></html>",
                     "http://www.xys.gov.cn/tzgg/")
    assert f["board_messages"] == [] and f["board_form"] is None
