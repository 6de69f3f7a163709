"""Decoding: HTTP charset > BOM > meta, validated; the GB family read as GB18030; broken markup."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from govcrawl.extract import extract_page
from govcrawl.extract.html import decode_body, normalize_encoding

EDGE = Path(__file__).parent / "fixtures" / "pages" / "edge"


def test_gb2312_declared_page_with_gbk_only_characters() -> None:
    body = (EDGE / "gbk-declared-gb2312.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")  # 喆, 镕 and 堃 are GBK-only
    f = extract_page(body, "http://www.zrx.gov.cn/", now=date(2007, 12, 20))
    assert f["encoding"] == "gb18030"
    assert f["title"] == "咸阳市喆镕县人民政府"
    assert f["items"][0]["title"] == "堃镇召开冬季安全生产工作会议"
    assert f["site_name"] == "喆镕县人民政府办公室"
    assert f["nav_columns"] == ["首页", "政务公开", "政务动态", "办事服务", "互动交流", "走进喆镕"]


def test_meta_charset_that_lies() -> None:
    body = (EDGE / "meta-utf8-but-gbk.html").read_bytes()
    f = extract_page(body, "http://jyj.qindu.gov.cn/index.html", now=date(2007, 12, 20))
    assert f["encoding"] == "gb18030"
    assert f["title"] == "咸阳市秦都区教育局"
    assert f["nav_columns"] == ["首页", "教育新闻", "通知公告", "政策法规", "局长信箱"]
    assert f["latest_item_date"] == "2007-12-18"


def test_http_charset_wins_when_it_fits() -> None:
    body = '<html><head><meta charset="gb2312"><title>政府網站</title></head><body>測試</body></html>'.encode("big5")
    text, enc = decode_body(body, http_encoding="big5")
    assert enc == "big5" and "政府網站" in text and "測試" in text


def test_wrong_http_charset_is_not_trusted() -> None:
    body = "<html><head><title>咸阳市人民政府</title></head><body>政务公开</body></html>".encode("gbk")
    text, enc = decode_body(body, http_encoding="utf-8")
    assert enc == "gb18030" and "咸阳市人民政府" in text


def test_gb_declared_but_utf8_bytes() -> None:
    body = '<html><head><meta charset="gbk"><title>咸阳市人民政府</title></head><body></body></html>'.encode()
    text, enc = decode_body(body)
    assert enc == "utf-8" and "咸阳市人民政府" in text


def test_bom() -> None:
    body = codecs.BOM_UTF8 + "<html><head><title>政务公开</title></head><body></body></html>".encode()
    f = extract_page(body, "http://www.xys.gov.cn/")
    assert f["encoding"] == "utf-8" and f["title"] == "政务公开"


@pytest.mark.parametrize(("label", "codec"), [("GB2312", "gb18030"), ("gbk", "gb18030"), ("CP936", "gb18030"),
                                              ("x-gbk", "gb18030"), ("UTF-8", "utf-8"), ("bogus", None)])
def test_charset_labels(label: str, codec: str | None) -> None:
    assert normalize_encoding(label) == codec


def test_str_body_and_xml_declaration() -> None:
    f = extract_page('<?xml version="1.0" encoding="gb2312"?><html><head><title>标题</title></head><body></body></html>',
                     "http://www.xys.gov.cn/a/")
    assert f["title"] == "标题" and f["encoding"] is None


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02", b"<!-- only a comment -->", b"\xff\xfe\xfa garbage"])
def test_degenerate_bodies(body: bytes) -> None:
    f = extract_page(body, "http://www.xys.gov.cn/")
    assert f["nav_columns"] == [] and f["items"] == [] and f["identity"]["site_code"] is None


def test_broken_markup() -> None:
    f = extract_page((EDGE / "broken-markup.html").read_bytes(), "http://nyj.weicheng.gov.cn/nydt/", now=date(2007, 12, 20))
    assert f["title"] == "咸阳市渭城区农业局"
    # unclosed <li> and an unclosed <a> that swallows the rest of the menu
    assert f["nav_columns"] == ["首页", "农业动态", "政务公开", "农业政策", "办事指南", "互动交流"]
    assert [(it["title"], it["date"]) for it in f["items"]] == [
        ("全区冬小麦长势良好", "2007-12-16"), ("渭城区举办农民技能培训班", "2007-12-09"), ("秋冬农田水利建设全面铺开", "2007-11-28")]
    assert f["identity"]["site_code"] == "6104040012"
    assert f["site_name"] == "咸阳市渭城区农业局"
