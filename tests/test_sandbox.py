"""The sandbox portals: profiles, rendering, servers, and the truth checked against the served pages."""

from __future__ import annotations

import http.client
import io
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import date
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from sandbox.__main__ import main as sandbox_main
from sandbox.profiles import Column, SiteProfile, build_profiles
from sandbox.render import Response, render
from sandbox.server import Sandbox
from sandbox.truth import crawled_columns, expected
from sandbox.vocab import TITLE_BANNED, disclosure_of, features_of

EVAL = date(2007, 12, 20)

EXCELLENT = {
    "county": {"qindu", "yongshou", "weicheng", "wugong", "xunyi"},
    "department": {"renshi", "weisheng", "caizheng", "jisheng", "jiaoyu"},
}


@pytest.fixture(scope="module")
def profiles() -> list[SiteProfile]:
    return build_profiles()


@pytest.fixture(scope="module")
def by_id(profiles: list[SiteProfile]) -> dict[str, SiteProfile]:
    return {p.id: p for p in profiles}


@pytest.fixture(scope="module")
def reachable(profiles: list[SiteProfile]) -> list[SiteProfile]:
    return [p for p in profiles if p.reachable]


@pytest.fixture(scope="module")
def sandbox(profiles: list[SiteProfile]) -> Iterator[Sandbox]:
    with Sandbox(profiles) as sb:
        yield sb


# -- helpers ----------------------------------------------------------------------------------------------


def get(p: SiteProfile, url: str) -> Response:
    """Render an absolute or site-relative URL of `p` the way a client would reach it."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return render(p, target, scheme=parts.scheme or p.scheme)


def tree(p: SiteProfile, resp: Response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(resp.body.decode(p.encoding))


def clean(text: str) -> str:
    return re.sub(r"\s+", "", text)


def abs_links(p: SiteProfile, doc: lxml.html.HtmlElement, base: str, xpath: str) -> list[tuple[str, str]]:
    return [(clean(a.text_content()), urljoin(base, a.get("href"))) for a in doc.xpath(xpath)]


NAV_XPATH = {
    "trs": '//div[@id="nav"]/ul/li/a',
    "script": '//div[@id="nav"]/ul/li/a',
    "hanweb": '//div[@id="nav"]//a',
    "table": '//table[contains(@class,"nav")]//a',
}
NESTED_XPATH = '//div[@id="nav"]/ul/li/ul/li/a'
LEFT_XPATH = ('//ul[@class="left_menu"]//a | //div[@class="lm_menu"]//a | '
              '//table[@id="leftmenu"]//td[@class="leftmenu_item"]/a')

DATE_PATTERNS = [
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), lambda m, y: date(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"\[(\d{2})-(\d{2})\]"), lambda m, y: date(y, int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), lambda m, y: date(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"\((\d{4})/(\d{2})/(\d{2})\)"), lambda m, y: date(int(m[1]), int(m[2]), int(m[3]))),
]


def parse_date(text: str, year: int) -> date | None:
    for pattern, make in DATE_PATTERNS:
        m = pattern.search(text)
        if m:
            return make(m, year)
    return None


def list_items(doc: lxml.html.HtmlElement, container: str, year: int) -> list[tuple[str, date | None]]:
    rows = doc.xpath(f'//ul[@class="{container}"]/li | //table[@class="{container}"]//tr')
    out = []
    for row in rows:
        links = row.xpath(".//a")
        if not links:
            continue
        out.append((clean(links[0].text_content()), parse_date(row.text_content(), year)))
    return out


def link_labels(doc: lxml.html.HtmlElement) -> list[str]:
    labels = [clean(a.text_content()) for a in doc.xpath("//a[@href]")]
    labels += [clean(img.get("alt") or "") for img in doc.xpath("//a//img")]
    return [x for x in labels if x]


EMAIL_RE = re.compile(r"([a-z0-9._-]+)\s*(?:@|＠|#|\(at\)|\[at\])\s*([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.I)


def page_emails(doc: lxml.html.HtmlElement) -> set[str]:
    for bad in doc.xpath("//script"):
        bad.drop_tree()
    text = doc.text_content()
    return {f"{m[1]}@{m[2]}".lower() for m in EMAIL_RE.finditer(text)}


def static_crawl(p: SiteProfile, max_pages: int) -> dict[str, object]:
    """A small static crawl of the rendered pages, independent of truth.py: homepage nav, left menus of
    level-1 pages, list pages through 下一页 links."""
    home_url = p.url
    home = tree(p, get(p, home_url))
    nav = abs_links(p, home, home_url, NAV_XPATH[p.template])
    nested = abs_links(p, home, home_url, NESTED_XPATH) if p.template in ("trs", "script") else []
    columns: dict[str, dict[str, object]] = {}
    labels = link_labels(home)
    emails = page_emails(tree(p, get(p, home_url)))
    order: list[str] = []

    def visit(name: str, url: str, level: int) -> lxml.html.HtmlElement | None:
        if url in columns:
            return None
        items: list[tuple[str, date | None]] = []
        page_url = url
        first_doc = None
        blank = False
        for n in range(max_pages):
            resp = get(p, page_url)
            assert resp.status == 200, (p.id, page_url, resp.status)
            doc = tree(p, resp)
            labels.extend(link_labels(doc))
            emails.update(page_emails(tree(p, resp)))
            got = list_items(doc, "list", p.eval_date.year)
            if n == 0:
                first_doc = doc
                blank = not got and bool(doc.xpath('//div[@class="nodata"] | //ul[@class="list"]'))
            items += got
            nxt = [a.get("href") for a in doc.xpath('//div[@class="page"]/a') if clean(a.text_content()) == "下一页"]
            if not nxt:
                break
            page_url = urljoin(page_url, nxt[0])
        dates = [d for _, d in items if d and d <= p.eval_date]
        columns[url] = {"name": name, "level": level, "item_count": len(items),
                        "newest_date": max(dates) if dates else None, "blank": blank}
        order.append(url)
        return first_doc

    for name, url in nav:
        if url.rstrip("/") == home_url.rstrip("/") or url.endswith("/index.html") and urlsplit(url).path == "/index.html":
            continue
        doc = visit(name, url, 1)
        for kname, kurl in [(n, u) for n, u in nested if u.startswith(url.rsplit("/", 1)[0])]:
            visit(kname, kurl, 2)
        if doc is not None:
            for kname, kurl in abs_links(p, doc, url, LEFT_XPATH):
                visit(kname, kurl, 2)
    # Like the crawler, follow the site map link: it names every column, even under a script-built nav.
    for a in home.xpath("//a[@href]"):
        if "网站地图" in features_of(clean(a.text_content()) or a.get("title") or ""):
            labels.extend(link_labels(tree(p, get(p, urljoin(home_url, a.get("href"))))))
            break
    homepage_dates = [d for _, d in list_items(home, "block_list", p.eval_date.year) if d and d <= p.eval_date]
    return {
        "nav_columns": [n for n, _ in nav],
        "columns": [columns[u] | {"url": u} for u in order],
        "homepage_latest_date": max(homepage_dates) if homepage_dates else None,
        "disclosure": set().union(*(disclosure_of(x) for x in labels)),
        "features": set().union(*(features_of(x) for x in labels)),
        "emails": emails,
    }


# -- the registry of sites ----------------------------------------------------------------------------------


def test_59_sites_in_two_groups(profiles: list[SiteProfile]) -> None:
    assert len(profiles) == 59
    groups = [p.group for p in profiles]
    assert groups.count("county") == 13 and groups.count("department") == 46
    assert len({p.id for p in profiles}) == 59 and len({p.host for p in profiles}) == 59
    for group, ids in EXCELLENT.items():
        assert {p.id for p in profiles if p.group == group and p.tier == "excellent"} == ids


def test_four_unreachable_sites(by_id: dict[str, SiteProfile]) -> None:
    failures = {p.id: p.failure for p in by_id.values() if not p.reachable}
    assert failures == {"liangshi": "dns", "kexie": "connect", "dizhen": "http_status", "youzheng": "empty_page"}


def test_hostnames_look_real(profiles: list[SiteProfile]) -> None:
    assert all(p.host.startswith("www.") for p in profiles)
    non_gov = [p for p in profiles if not p.gov_cn]
    assert 2 <= len(non_gov) <= 6 and all(p.group == "department" for p in non_gov)
    https = [p for p in profiles if p.https]
    assert 2 <= len(https) <= 5 and all(p.tier == "excellent" for p in https)


def test_templates_and_encodings_vary(reachable: list[SiteProfile]) -> None:
    assert {p.template for p in reachable} == {"trs", "hanweb", "table", "script"}
    assert 2 <= sum(p.template == "script" for p in reachable) <= 3
    assert sum(p.encoding == "gbk" for p in reachable) >= 8
    wrong = [p for p in reachable if p.meta_charset and p.meta_charset.lower().startswith("gb") != (p.encoding == "gbk")]
    assert len(wrong) == 2 and all(p.http_charset is None for p in wrong)
    assert {p.list_style for p in reachable} >= {"span", "bracket", "cn", "slash", "table"}


def test_registry_lists_every_site(profiles: list[SiteProfile]) -> None:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert sandbox_main(["registry", "--format", "csv"]) == 0
    lines = buf.getvalue().strip().splitlines()
    assert lines[0] == "id,name,group,url,emails,notes" and len(lines) == 60
    assert any(line.startswith("liangshi,咸阳市粮食局,department,http://www.xyslsj.gov.cn/") for line in lines)


def test_serve_writes_a_state_file(tmp_path: object) -> None:
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    state = Path(str(tmp_path)) / "sb" / "sandbox.json"
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--state", str(state)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not state.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        info = json.loads(state.read_text("utf-8"))
        assert info["eval_date"] == "2007-12-20" and info["pid"] == proc.pid
        hostmap = json.loads(Path(info["hostmap_file"]).read_text("utf-8"))
        assert hostmap["www.qindu.gov.cn"] == {"80": f"127.0.0.1:{info['http_port']}", "443": f"127.0.0.1:{info['https_port']}"}
        assert "咸阳市粮食局" in Path(info["registry_file"]).read_text("utf-8")
        status, _, body = fetch(info["http_port"], "www.sanyuan.gov.cn")
        assert status == 200 and body
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(15) == 0


# -- profiles and determinism -------------------------------------------------------------------------------


def sample_paths(p: SiteProfile) -> list[str]:
    paths = ["/", "/robots.txt"]
    for col in p.columns[:4]:
        paths.append(col.path)
        paths.extend(it.url for it in col.items[:1])
    return paths


def test_same_seed_same_bytes(profiles: list[SiteProfile]) -> None:
    again = {p.id: p for p in build_profiles()}
    for p in profiles:
        for path in sample_paths(p):
            assert render(p, path) == render(again[p.id], path), (p.id, path)


def test_other_seed_other_sites(profiles: list[SiteProfile]) -> None:
    other = {p.id: p for p in build_profiles(seed=99)}
    assert sum(render(p, "/").body != render(other[p.id], "/").body for p in profiles if p.reachable) > 50


def test_dates_follow_the_evaluation_date() -> None:
    later = date(2008, 6, 30)
    for p in build_profiles(eval_date=later):
        for col in p.columns:
            for it in col.items:
                assert it.date <= later or it.future, (p.id, col.name, it)


def test_nothing_after_eval_date_but_flagged_items(profiles: list[SiteProfile]) -> None:
    flagged = []
    for p in profiles:
        for col in p.columns:
            for it in col.items:
                if it.date > EVAL:
                    assert it.future and it in p.future_items, (p.id, it)
        flagged += [p.id] * len(p.future_items)
    assert len(flagged) in (1, 2) or (len(set(flagged)) == 1 and len(flagged) <= 2)
    assert len(set(flagged)) == 1 and flagged[0] == "fangguan"
    site = next(p for p in profiles if p.id == "fangguan")
    assert site.tier == "very_poor"


def test_titles_carry_no_vocabulary(profiles: list[SiteProfile]) -> None:
    for p in profiles:
        for col in p.columns:
            for it in col.items:
                assert not [w for w in TITLE_BANNED if w in it.title], (p.id, it.title)
                assert len(it.title) >= 8


def test_profiles_spread_from_excellent_to_very_poor(reachable: list[SiteProfile]) -> None:
    def worst(p: SiteProfile) -> int:
        return sum(c.blank for c in p.columns)

    tiers = {t: [p for p in reachable if p.tier == t] for t in ("excellent", "good", "fair", "poor", "very_poor")}
    assert all(tiers.values())
    assert max(worst(p) for p in tiers["excellent"]) == 0
    assert min(worst(p) for p in tiers["very_poor"]) >= 3
    home = {t: [expected(p)["homepage_latest_date"] for p in ps] for t, ps in tiers.items()}
    assert all((EVAL - d).days <= 2 for d in home["excellent"])
    assert all(d is None or (EVAL - d).days > 14 for d in home["very_poor"])
    assert sum(1 for p in reachable if not p.legal_name_shown) >= 3
    long_lists = [c for p in reachable for c in p.columns if c.kind == "list" and c.page_count > 3]
    assert len(long_lists) >= 20
    stale = [c for p in reachable for c in p.columns if c.stale]
    assert len(stale) >= 40


# -- rendering ------------------------------------------------------------------------------------------------


def test_gbk_sites_send_gbk_bytes(reachable: list[SiteProfile]) -> None:
    gbk_only = re.compile("[喆堃镕玥赟昇珺旻璟垚]")
    seen_gbk_only = False
    for p in (p for p in reachable if p.encoding == "gbk"):
        body = render(p, "/").body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = body.decode("gbk")
        assert p.site_name in text
        for col in p.columns:
            for it in col.items[:40]:
                if gbk_only.search(it.title):
                    page = render(p, it.url).body
                    assert it.title.encode("gbk") in page
                    with pytest.raises(UnicodeEncodeError):
                        it.title.encode("gb2312")
                    seen_gbk_only = True
    assert seen_gbk_only


def test_wrong_declared_charsets(by_id: dict[str, SiteProfile]) -> None:
    qianxian = render(by_id["qianxian"], "/")
    assert qianxian.header("Content-Type") == "text/html"
    assert b'charset=utf-8"' in qianxian.body
    qianxian.body.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        qianxian.body.decode("utf-8")
    guangdian = render(by_id["guangdian"], "/")
    assert b"charset=gb2312" in guangdian.body and guangdian.header("Content-Type") == "text/html"
    guangdian.body.decode("utf-8")


def test_page_sizes(reachable: list[SiteProfile]) -> None:
    for p in reachable:
        home = render(p, "/").body
        assert 4_000 < len(home) < 40_000, (p.id, len(home))
        col = next(c for c in p.columns if c.items)
        assert 2_500 < len(render(p, col.path).body) < 30_000


def test_url_styles(by_id: dict[str, SiteProfile]) -> None:
    trs = next(iter(by_id["renshi"].articles))
    assert re.fullmatch(r"/[a-z/]+/\d{6}/t\d{8}_\d+\.html", trs)
    hanweb = next(iter(by_id["weisheng"].articles))
    assert re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html", hanweb)
    col = by_id["weisheng"].columns[0]
    assert re.fullmatch(r"/col/col\d+/index\.html", col.path)


def test_pagination_text(reachable: list[SiteProfile]) -> None:
    p, col = next((p, c) for p in reachable for c in p.columns if c.kind == "list" and c.page_count >= 3)
    text = render(p, col.page_path(1)).body.decode(p.encoding)
    assert f"共{len(col.items)}条 每页{col.page_size}条 第2/{col.page_count}页" in text
    assert '<a href="index.html">首页</a>' in text and '<a href="index_2.html">下一页</a>' in text
    assert render(p, col.page_path(col.page_count)).status == 404


def test_article_dates(reachable: list[SiteProfile]) -> None:
    seen_cwrq = seen_meta = 0
    for p in reachable[:30]:
        for col in p.columns:
            for it in col.items[:3]:
                text = render(p, it.url).body.decode(p.encoding)
                assert (f"{it.date:%Y-%m-%d}" in text) or (f"{it.date.year}年{it.date.month}月{it.date.day}日" in text)
                seen_cwrq += "成文日期：二〇" in text
                seen_meta += f'<meta name="PubDate" content="{it.date:%Y-%m-%d} {it.time}"' in text
    assert seen_cwrq and seen_meta


def test_script_nav_is_invisible_without_rendering(reachable: list[SiteProfile]) -> None:
    for p in (p for p in reachable if p.template == "script"):
        doc = tree(p, render(p, "/"))
        assert doc.xpath('//ul[@id="menu"]/li') == []
        script = "".join(doc.xpath("//script/text()"))
        assert "var navData" in script
        for col in p.level1:
            assert col.name in script
        truth = expected(p)
        assert truth["nav_columns"] == [] and truth["columns"] == [] and truth["nav_script_built"]
        rendered = expected(p, render=True)
        assert rendered["nav_columns"] == ["首页"] + [c.name for c in p.level1]
        assert len(rendered["columns"]) == len(p.columns)


def test_traps(reachable: list[SiteProfile]) -> None:
    stale = [p for p in reachable if p.updated_trap and p.today_trap]
    assert stale
    for p in stale:
        text = render(p, "/").body.decode(p.encoding)
        assert "今天是2007年12月20日 星期四" in text and "网站最后更新：2007-12-20" in text
    for p in (p for p in reachable if p.tier in ("poor", "very_poor")):
        latest = expected(p)["homepage_latest_date"]
        assert latest is None or latest < EVAL - date.resolution * 14


def test_calendar_goes_on_forever(reachable: list[SiteProfile]) -> None:
    p = next(p for p in reachable if p.calendar)
    url = f"/calendar/?m={EVAL:%Y-%m}"
    assert url in render(p, "/").body.decode(p.encoding)
    for _ in range(30):
        doc = tree(p, render(p, url))
        url = next(a.get("href") for a in doc.xpath("//a") if a.text == "下个月")
    assert url == "/calendar/?m=2010-06"


def test_robots_variants(reachable: list[SiteProfile]) -> None:
    kinds = {p.robots for p in reachable}
    assert kinds == {"disallow", "open", "none"}
    p = next(p for p in reachable if p.robots == "disallow")
    assert b"Disallow: /calendar/" in render(p, "/robots.txt").body
    p = next(p for p in reachable if p.robots == "open")
    assert render(p, "/robots.txt").body == b"User-agent: *\nDisallow:\n"
    p = next(p for p in reachable if p.robots == "none")
    assert render(p, "/robots.txt").status == 404


def test_unreachable_renderings(by_id: dict[str, SiteProfile]) -> None:
    assert render(by_id["dizhen"], "/").status == 503
    assert render(by_id["dizhen"], "/robots.txt").status == 503
    empty = render(by_id["youzheng"], "/")
    assert empty.status == 200 and empty.body == b""


def test_abbreviation_sites_hide_the_legal_name(reachable: list[SiteProfile]) -> None:
    for p in reachable:
        text = render(p, "/").body.decode(p.encoding)
        assert (p.name in text) == p.legal_name_shown, p.id
        assert p.site_name in text


def test_identity_marks(reachable: list[SiteProfile]) -> None:
    for p in reachable:
        text = render(p, "/").body.decode(p.encoding)
        ident = expected(p)["identity"]
        if ident["site_code"]:
            assert re.fullmatch(r"\d{10}", ident["site_code"])
            assert f"网站标识码：{ident['site_code']}" in text or f'name="SiteIDCode" content="{ident["site_code"]}"' in text
        if ident["icp"]:
            assert re.fullmatch(r"陕ICP备\d{8}号(-\d)?", ident["icp"]) and ident["icp"] in text
        if ident["psb"]:
            assert re.fullmatch(r"陕公网安备 ?\d{14}号", ident["psb"]) and ident["psb"] in text
        assert ("bszs.conac.cn" in text) == ident["party_badge"]
    assert sum(expected(p)["identity"]["party_badge"] for p in reachable) >= 8


def test_email_forms(reachable: list[SiteProfile]) -> None:
    forms = {m.form for p in reachable for m in p.emails}
    assert forms == {"mailto", "text", "obfuscated", "image"}
    for p in reachable:
        for m in p.emails:
            if m.form == "image":
                assert m.address not in expected(p)["emails"]


# -- the truth against the rendered pages ------------------------------------------------------------------


@pytest.mark.parametrize("max_pages", [1, 3])
def test_truth_matches_a_static_crawl(reachable: list[SiteProfile], max_pages: int) -> None:
    for p in reachable:
        truth = expected(p, max_list_pages=max_pages)
        crawl = static_crawl(p, max_pages)
        assert crawl["nav_columns"] == truth["nav_columns"], p.id
        got = [(c["name"], c["level"], c["item_count"], c["newest_date"], c["blank"]) for c in crawl["columns"]]
        want = [(c["name"], c["level"], c["item_count"], c["newest_date"], c["blank"]) for c in truth["columns"]]
        assert got == want, p.id
        assert [c["url"] for c in crawl["columns"]] == [c["url"] for c in truth["columns"]]
        assert crawl["homepage_latest_date"] == truth["homepage_latest_date"], p.id
        assert crawl["disclosure"] == truth["disclosure"], p.id
        assert crawl["features"] == truth["features"], p.id
        assert crawl["emails"] == truth["emails"], p.id


def test_every_rendered_label_names_at_most_one_thing(reachable: list[SiteProfile]) -> None:
    for p in reachable:
        pages = [render(p, "/")] + [render(p, c.path) for c in p.columns]
        for resp in pages:
            for label in link_labels(tree(p, resp)):
                assert len(disclosure_of(label)) + len(features_of(label)) <= 1, (p.id, label)


def test_broken_links_are_exactly_the_dead_homepage_links(reachable: list[SiteProfile]) -> None:
    seen = 0
    for p in reachable:
        doc = tree(p, render(p, "/"))
        dead = set()
        for a in doc.xpath("//a[@href]"):
            url = urljoin(p.url, a.get("href"))
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.hostname != p.host:
                continue
            status = get(p, url).status
            assert status in (200, 403, 404), (p.id, url, status)
            if status in (403, 404, 410):
                dead.add(url)
        assert dead == expected(p)["broken_links"], p.id
        seen += len(dead)
    assert seen >= 5


def test_crawl_size(reachable: list[SiteProfile]) -> None:
    pages = 0
    for p in reachable:
        cols = crawled_columns(p)
        pages += 1 + sum(min(c.page_count, 3) for c in cols) + 3 * len([c for c in cols if c.items])
    assert 1_800 <= pages <= 3_500, pages


# -- the servers -------------------------------------------------------------------------------------------------


def fetch(port: int, host: str, path: str = "/", method: str = "GET", tls: bool = False) -> tuple[int, dict[str, str], bytes]:
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_server_routes_by_host(sandbox: Sandbox, by_id: dict[str, SiteProfile]) -> None:
    p = by_id["sanyuan"]
    status, headers, body = fetch(sandbox.http_port, p.host)
    assert status == 200 and body == render(p, "/").body
    assert headers["content-length"] == str(len(body))
    status, _, other = fetch(sandbox.http_port, by_id["jingyang"].host + ":80")
    assert status == 200 and other != body
    assert fetch(sandbox.http_port, "www.example.com")[0] == 404


def test_server_https(sandbox: Sandbox, by_id: dict[str, SiteProfile]) -> None:
    p = by_id["renshi"]
    status, headers, _ = fetch(sandbox.http_port, p.host)
    assert status == 301 and headers["location"] == "https://www.xysrsj.gov.cn/"
    status, _, body = fetch(sandbox.https_port, p.host, tls=True)
    assert status == 200 and body == render(p, "/").body
    assert b"BEGIN CERTIFICATE" in sandbox.cert_pem


def test_server_head_404_and_keepalive(sandbox: Sandbox, by_id: dict[str, SiteProfile]) -> None:
    p = by_id["jiaoyu"]
    status, headers, body = fetch(sandbox.http_port, p.host, method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) == len(render(p, "/").body)
    assert fetch(sandbox.http_port, p.host, "/no/such/page.html")[0] == 404
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.http_port, timeout=10)
    for path in [p.columns[0].path, "/", "/robots.txt"] * 3:
        conn.request("GET", path, headers={"Host": p.host})
        resp = conn.getresponse()
        resp.read()
        assert resp.status in (200, 404)
    conn.close()


def test_server_failures(sandbox: Sandbox, by_id: dict[str, SiteProfile]) -> None:
    hostmap = sandbox.hostmap()
    assert len(hostmap) == 58 and by_id["liangshi"].host not in hostmap
    assert hostmap[by_id["renshi"].host] == {80: f"127.0.0.1:{sandbox.http_port}", 443: f"127.0.0.1:{sandbox.https_port}"}
    closed = hostmap[by_id["kexie"].host][80]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(closed.rsplit(":", 1)[1])), timeout=5)
    assert fetch(sandbox.http_port, by_id["dizhen"].host)[0] == 503
    status, _, body = fetch(sandbox.http_port, by_id["youzheng"].host)
    assert status == 200 and body == b""
    assert {row["id"] for row in sandbox.registry()} == set(by_id)
