"""Pure rendering: a site profile and a request target -> status, headers and body bytes.

Four page families in the styles of Chinese government CMSs of the time: TRS WCM (ul/li navigation with
nested sub-menus), Hanweb/大汉 (div navigation, /col/ and /art/ URLs), DreamWeaver-era tables, and a
script-built navigation whose menu comes from an inline JSON array.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from urllib.parse import parse_qs, urlsplit

from sandbox import titles
from sandbox.profiles import Column, Item, LinkTrap, SiteProfile, home_date_style, home_items

_WEEKDAYS = "一二三四五六日"
_CN_DIGITS = "〇一二三四五六七八九"

# A 1x1 transparent GIF for every image path.
_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


# One stylesheet for every template (served as /images/*.css), enough for a screenshot to look like a portal.
_CSS = """
body{margin:0;font:12px/1.8 SimSun,"WenQuanYi Micro Hei",sans-serif;color:#333;background:#f4f6f9}
a{color:#1d3f8a;text-decoration:none}a:hover{color:#c00}
.top,#header,.nav,#nav,.main,.position,.footer,.friends{width:980px;margin:0 auto;background:#fff}
.topbar,.head_top{height:26px;line-height:26px;padding:0 10px;background:#eef2f8;color:#666}
.toplinks,.head_r{float:right}.today{float:left}
.banner,.logo{height:110px;background:linear-gradient(#1e5bb8,#0b3a80);position:relative}
.logo img{display:none}.sitename{position:absolute;left:30px;top:32px;font-size:30px;color:#fff;font-weight:bold}
.search{position:absolute;right:20px;top:40px}
.nav,#nav{background:#0a5ba8;height:36px;line-height:36px}
.menu,.nav_con{margin:0;padding:0;list-style:none}.menu>li{float:left;position:relative}
.menu>li>a,.nav_con a{display:inline-block;padding:0 14px;color:#fff;font-size:14px;font-weight:bold}
.nav_con .line{color:#7aa6d8}.sub_menu{display:none}
.position{padding:6px 10px;border-bottom:1px solid #dde}
.main{overflow:hidden;padding:10px 0}.main_l{float:left;width:640px;padding:0 10px}
.main_r{float:right;width:300px;padding:0 10px}
.left,.lm_left{float:left;width:200px;margin:0 10px;border:1px solid #cfd8e6}
.left_title,.lm_title,.lefttitle{background:#0a5ba8;color:#fff;padding:4px 10px;font-weight:bold}
.left_title a,.lm_title a,.lefttitle a{color:#fff}
.left_menu{list-style:none;margin:0;padding:6px 10px}.left_menu li.on a,.lm_on a{color:#c00}
.right{float:left;width:730px}.full{padding:0 20px}
.block{margin-bottom:10px;border:1px solid #d5deeb}.block_tit{background:#eef2f8;height:30px;padding:0 10px}
.block_tit h3{float:left;margin:0;line-height:30px;font-size:14px}.more{float:right;line-height:30px}
.block_list,.list{margin:0;padding:6px 10px 6px 24px}.block_list li span,.list li span{float:right;color:#888}
.bt_time,.date{color:#888}.col_title{font-size:16px;font-weight:bold;border-bottom:2px solid #0a5ba8;margin:6px 0}
.page{text-align:center;padding:10px;color:#555}.page a,.page span{margin:0 4px}
.box{border:1px solid #d5deeb;margin-bottom:10px;padding:6px 10px}.box_tit{font-weight:bold;color:#0a5ba8}
.gkml{margin:8px 0;padding:8px;background:#f7f9fc;border:1px dashed #b8c6dc}.gk_item{display:inline-block;width:30%}
.article{padding:10px 40px}.art_title{text-align:center;font-size:22px;color:#b00}.info{text-align:center;color:#777}
.art_con p{font-size:14px;line-height:2}.footer{border-top:3px solid #0a5ba8;text-align:center;padding:10px 0;color:#555}
.friends{padding:6px 10px}.nodata{padding:30px;text-align:center;color:#999}
table.nav td a{color:#fff;font-weight:bold}
.tbanner{background:linear-gradient(#2a6cc4,#0b3a80);padding-left:30px}
"""


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def render(profile: SiteProfile, target: str, *, scheme: str | None = None) -> Response:
    """Render `target` (path with optional query) of `profile` as served over `scheme` (default: the site's
    own scheme). Unreachable-site behaviours (HTTP 503, empty page) are rendered here too; DNS and connect
    failures are the server's business."""
    p = profile
    scheme = scheme or p.scheme
    parts = urlsplit(target)
    path = parts.path or "/"
    query = parse_qs(parts.query)
    if p.failure == "http_status":
        return _html(p, 503, _error_page(503, "Service Unavailable"), extra=(("Retry-After", "3600"),))
    if p.failure == "empty_page":
        if path == "/robots.txt":
            return _plain(404, b"")
        return Response(200, (("Content-Type", "text/html"), ("Server", "Microsoft-IIS/6.0")), b"")
    if p.https and scheme == "http":
        return Response(
            301, (("Location", f"https://{p.host}{target}"), ("Content-Type", "text/html"), ("Server", p.server)),
            b"<html><body>Moved</body></html>",
        )
    return _Router(p).route(path, query)


# ---------------------------------------------------------------------------------------------------------


def _plain(status: int, body: bytes, ctype: str = "text/plain") -> Response:
    return Response(status, (("Content-Type", ctype),), body)


def _html(p: SiteProfile, status: int, text: str, extra: tuple[tuple[str, str], ...] = ()) -> Response:
    encoding = p.encoding or "utf-8"
    body = text.encode(encoding, errors="xmlcharrefreplace")
    ctype = f"text/html; charset={p.http_charset}" if p.http_charset else "text/html"
    return Response(status, (("Content-Type", ctype), ("Server", p.server or "Apache")) + extra, body)


def _error_page(status: int, reason: str) -> str:
    return (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
        f"<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n"
        f"<p>The server cannot serve the request ({status}).</p>\n<hr>\n</body></html>\n"
    )


def fmt_date(d: date, style: str) -> str:
    if style == "bracket":
        return f"[{d:%m-%d}]"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "slash":
        return f"({d:%Y/%m/%d})"
    return f"{d:%Y-%m-%d}"


def cn_numeral_date(d: date) -> str:
    """二〇〇七年十二月十日"""

    def small(n: int) -> str:
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")

    year = "".join(_CN_DIGITS[int(ch)] for ch in str(d.year))
    return f"{year}年{small(d.month)}月{small(d.day)}日"


def today_text(d: date) -> str:
    return f"今天是{d.year}年{d.month}月{d.day}日 星期{_WEEKDAYS[d.weekday()]}"


def _rel(base_dir: str, url: str) -> str:
    """TRS-style relative link from a column directory to an article below it."""
    if base_dir and url.startswith(base_dir):
        return "./" + url[len(base_dir):]
    return url


class _Router:
    def __init__(self, p: SiteProfile) -> None:
        self.p = p
        self.t = _TEMPLATES[p.template](p)

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        p = self.p
        if path == "/robots.txt":
            return self.robots()
        if path in ("/", "/index.html", "/index.htm", "/default.htm"):
            return _html(p, 200, self.t.home())
        if path.startswith("/images/"):
            if path.endswith(".css"):
                return _plain(200, _CSS.encode("ascii"), "text/css")
            if path.endswith(".js"):
                return _plain(200, b"/* */\n", "application/javascript")
            return _plain(200, _GIF, "image/gif")
        for trap in p.link_traps:
            if path == trap.path.split("?")[0]:
                return self.trap(trap)
        for dead in p.broken_links:
            if path == dead.path:
                return _html(p, dead.status, _error_page(dead.status, "Not Found" if dead.status == 404 else "Forbidden"))
        if path in ("/calendar/", "/calendar/index.html") and p.calendar:
            return _html(p, 200, self.t.calendar(query.get("m", [""])[0]))
        if path in ("/search/", "/search/index.html"):
            return _html(p, 200, self.t.simple("站内搜索", "<p>请输入关键词进行检索。</p><p>未找到相关信息。</p>"))
        if path == "/sitemap.html":
            return _html(p, 200, self.t.sitemap())
        if path in ("/about.html", "/contact.html"):
            return _html(p, 200, self.t.contact(path))
        if path in ("/xxgk/index.html", "/xxgk/") and p.xxgk == "banner":
            return _html(p, 200, self.t.xxgk_page())
        if path.startswith("/xxgk/") and path.endswith(".html"):
            for link in p.disclosure_page + p.disclosure_home:
                if link.path == path:
                    return _html(p, 200, self.t.simple(link.label, f"<p>{escape(link.label)}内容正在整理中。</p>"))
        board_page = self.board_page(path)  # published letters (sandbox.boards)
        if board_page is not None:
            return board_page
        found = self.column_page(path)
        if found is not None:
            col, n = found
            if n >= col.page_count:
                return self.not_found()
            return _html(p, 200, self.t.column(col, n))
        for link in p.features:
            if link.path == path:
                return _html(p, 200, self.t.simple(link.label, self.t.feature_body(link.label)))
        if path == "/rss/index.html":
            return _html(p, 200, self.t.simple("RSS订阅", "<p>RSS订阅说明</p>"))
        item = p.articles.get(path)
        if item is not None:
            return _html(p, 200, self.t.article(item))
        return self.not_found()

    def board_page(self, path: str) -> Response | None:
        from sandbox.boards import board_of, route

        board = board_of(self.p)
        page = route(board, path) if board is not None else None
        if page is None:
            return None
        title, inner = page
        label = next((f.label for f in self.p.features if f.path == board.entry), board.feature)
        return _html(self.p, 200, self.t.simple(title or label, inner))

    def trap(self, trap: LinkTrap) -> Response:
        """The link-check traps: error statuses, documents served as HTML pages, a real PDF, HEAD refused."""
        if trap.status >= 400:
            reason = {410: "Gone", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            return _html(self.p, trap.status, _error_page(trap.status, reason.get(trap.status, "Error")))
        if trap.kind == "attachment":
            return _plain(200, b"%PDF-1.4\n% govcrawl sandbox\n%%EOF\n", "application/pdf")
        page = _html(self.p, 200, self.t.simple(trap.label, "<p>文件不存在或已被删除。</p>"))
        if trap.kind == "head_refused":
            # The server answers HEAD with 405 (sandbox.server); GET works.
            return Response(page.status, page.headers + (("X-Sandbox-Head", "405"),), page.body)
        return page

    def not_found(self) -> Response:
        return _html(self.p, 404, _error_page(404, "Not Found"))

    def column_page(self, path: str) -> tuple[Column, int] | None:
        for col in self.p.columns:
            if not path.startswith(col.dir):
                continue
            rest = path[len(col.dir):]
            if rest in ("", "index.html"):
                return col, 0
            if rest.startswith("index_") and rest.endswith(".html"):
                num = rest[len("index_"):-len(".html")]
                if num.isdigit() and not num.startswith("0"):
                    return col, int(num)
        return None

    def robots(self) -> Response:
        if self.p.robots == "disallow":
            return _plain(200, b"User-agent: *\nDisallow: /calendar/\nDisallow: /search/\n")
        if self.p.robots == "open":
            return _plain(200, b"User-agent: *\nDisallow:\n")
        return _html(self.p, 404, _error_page(404, "Not Found"))


# ---------------------------------------------------------------------------------------------------------
# Templates


class _Base:
    css = "style.css"

    def __init__(self, p: SiteProfile) -> None:
        self.p = p

    # -- page frame -------------------------------------------------------------------------------------
    def doc(self, title: str, body: str, *, meta: str = "") -> str:
        p = self.p
        metas = [f'<meta http-equiv="Content-Type" content="text/html; charset={p.meta_charset}" />']
        ident = p.identity
        if ident and ident.site_code and ident.site_code_place in ("meta", "both"):
            metas.append(f'<meta name="SiteIDCode" content="{ident.site_code}" />')
        metas.append(f'<meta name="SiteName" content="{escape(p.site_name)}" />')
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            + "\n".join(metas) + "\n" + meta
            + f"<title>{escape(title)}</title>\n"
            f'<link href="/images/{self.css}" rel="stylesheet" type="text/css" />\n'
            '<script type="text/javascript" src="/images/common.js"></script>\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n"
        )

    def header_links(self) -> str:
        out = []
        for link in self.p.features:
            if link.place == "header":
                out.append(f'<a href="{link.path}" target="_blank">{escape(link.label)}</a>')
        out.append('<a href="javascript:void(0)" onclick="this.style.behavior=\'url(#default#homepage)\';'
                   'this.setHomePage(location.href);">设为首页</a>')
        out.append('<a href="javascript:window.external.AddFavorite(location.href,document.title)">加入收藏</a>')
        return " | ".join(out)

    def today(self) -> str:
        if not self.p.today_trap:
            return ""
        return f'<span class="today">{today_text(self.p.eval_date)}</span>'

    def search_form(self) -> str:
        if not self.p.search:
            return ""
        return (
            '<div class="search"><form name="searchform" action="/search/" method="get" target="_blank">'
            '<input type="text" name="q" class="s_input" value="" size="18" />'
            '<input type="submit" value="搜索" class="s_btn" /></form></div>'
        )

    def header(self) -> str:
        p = self.p
        return (
            '<div class="top">\n'
            f'<div class="topbar">{self.today()}<span class="toplinks">{self.header_links()}</span></div>\n'
            f'<div class="banner"><div class="logo"><a href="/index.html"><img src="/images/logo.gif" '
            f'alt="{escape(p.site_name)}网站" /></a></div><div class="sitename">{escape(p.site_name)}</div>'
            f"{self.search_form()}</div>\n</div>\n"
        )

    def nav(self, current: Column | None = None) -> str:
        out = ['<div class="nav" id="nav"><ul class="menu">',
               '<li class="nav_li first"><a href="/index.html">首  页</a></li>']
        for col in self.p.level1:
            on = ' class="nav_li on"' if current and (current.key == col.key or current.parent == col.key) else ' class="nav_li"'
            out.append(f'<li{on}><a href="{col.path}">{escape(col.name)}</a>')
            kids = self.p.children_of(col)
            if kids and self.p.nested_nav:
                out.append('<ul class="sub_menu">')
                for kid in kids:
                    out.append(f'<li><a href="{kid.path}">{escape(kid.name)}</a></li>')
                out.append("</ul>")
            out.append("</li>")
        out.append("</ul></div>")
        return "\n".join(out) + "\n"

    def footer(self) -> str:
        p = self.p
        ident = p.identity
        lines = ['<div class="footer">',
                 '<p class="flinks"><a href="/about.html">关于本站</a> | <a href="/contact.html">联系我们</a></p>']
        holder = escape(p.site_name)
        owner = random.Random(f"footer:{p.id}").choice(("main", "copy", "copy2"))
        if owner == "main":
            lines.append(f"<p>主办单位：{holder}　承办：{holder}信息中心</p>")
        elif owner == "copy":
            lines.append(f"<p>版权所有：{holder}</p>")
        else:
            lines.append(f"<p>Copyright &copy; 2003-{p.eval_date.year} {holder} 版权所有</p>")
        lines.append(f"<p>地址：{escape(p.address)}　电话：{escape(p.phone)}</p>")
        mails = self.email_html("footer")
        if mails:
            lines.append(f"<p>{mails}</p>")
        marks = []
        if ident and ident.icp:
            marks.append(f'<a href="http://beian.miit.gov.cn/" target="_blank">{ident.icp}</a>'
                         if ident.icp_linked else ident.icp)
        if ident and ident.psb:
            number = "".join(ch for ch in ident.psb if ch.isdigit())
            psb = (f'<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={number}" '
                   f'target="_blank"><img src="/images/gaba.png" alt="" />{ident.psb}</a>' if ident.psb_linked
                   else ident.psb)
            marks.append(psb)
        if ident and ident.site_code and ident.site_code_place in ("footer", "both"):
            marks.append(f"网站标识码：{ident.site_code}")
        if marks:
            lines.append("<p>" + "　".join(marks) + "</p>")
        if p.updated_trap:
            lines.append(f"<p>网站最后更新：{p.eval_date:%Y-%m-%d}</p>")
        lines.append("<p>建议使用IE6.0以上浏览器，1024*768分辨率浏览本站</p>")
        if ident and ident.party_badge:
            lines.append(
                f'<div class="conac"><a href="http://bszs.conac.cn/sitename?method=show&amp;id={_conac_id(p)}" '
                'target="_blank"><img src="http://dcs.conac.cn/image/red.png" alt="党政机关" border="0" /></a></div>'
            )
        elif ident and ident.conac_script:
            lines.append(
                '<div class="conac"><script type="text/javascript">document.write(unescape("%3Cspan '
                "id='_ideConac' %3E%3C/span%3E%3Cscript src='http://dcs.conac.cn/js/27/000/0000/"
                f"{_conac_id(p)}/CA27000000{_conac_id(p)}0001.js' type='text/javascript'%3E%3C/script%3E\"));"
                "</script></div>"
            )
        lines.append("</div>")
        lines.append(self.stats_script())
        return "\n".join(lines) + "\n"

    def stats_script(self) -> str:
        """Visitor statistics code of the era (asynchronous, harmless when its host does not resolve)."""
        return (
            "<!--网站访问统计-->\n<script type=\"text/javascript\">\n"
            "var _taq = _taq || [];\n_taq.home = 'http://ta.trs.cn/c';\n"
            f"_taq.push(['_mpId', '{random.Random(f'mp:{self.p.id}').randint(10, 999)}']);\n_taq.push(['_cli', '1']);\n"
            "(function(d, o, t) {\n  if (window.inTRSDesignMode) return;\n"
            "  var ma = d.createElement(o); ma.async = true; ma.src = t;\n"
            "  var s = d.getElementsByTagName(o)[0]; s.parentNode.insertBefore(ma, s);\n"
            "})(document, 'script', 'http://ta.trs.cn/c/js/ta.js');\n</script>\n<!--网站访问统计-->"
        )

    def email_html(self, place: str) -> str:
        out = []
        for mail in self.p.emails:
            if mail.place != place:
                continue
            if mail.form == "mailto":
                out.append(f'电子邮箱：<a href="mailto:{mail.address}">{mail.address}</a>')
            elif mail.form == "text":
                out.append(f"电子邮箱：{mail.address}")
            elif mail.form == "obfuscated":
                note = ("（发送时请将#换成@）" if "#" in mail.shown
                        else "（请将(at)或[at]换成@）" if "(at)" in mail.shown or "[at]" in mail.shown else "")
                out.append(f"电子邮箱：{escape(mail.shown)}{note}")
            else:
                out.append('电子邮箱：<img src="/images/email.gif" alt="" align="absmiddle" />')
        return "　".join(out)

    # -- lists ------------------------------------------------------------------------------------------
    def item_list(self, items: tuple[Item, ...], style: str, base_dir: str = "", cls: str = "list") -> str:
        if style == "table":
            rows = [
                f'<tr><td class="bt_title">·<a href="{_rel(base_dir, it.url)}" title="{escape(it.title)}" '
                f'target="_blank">{escape(it.title)}</a></td><td class="bt_time" align="right" width="90">'
                f"{it.date:%Y-%m-%d}</td></tr>"
                for it in items
            ]
            return f'<table class="{cls}" width="100%" border="0" cellspacing="0" cellpadding="0">\n' + "\n".join(rows) + "\n</table>"
        out = [f'<ul class="{cls}">']
        for it in items:
            href = _rel(base_dir, it.url)
            t = escape(it.title)
            d = fmt_date(it.date, style)
            if style == "bracket":
                out.append(f'<li>{d} <a href="{href}" target="_blank" title="{t}">{t}</a></li>')
            elif style == "slash":
                out.append(f'<li><a href="{href}" target="_blank" title="{t}">{t}</a>{d}</li>')
            elif style == "cn":
                out.append(f'<li><a href="{href}" target="_blank" title="{t}">{t}</a> <span class="date">{d}</span></li>')
            else:
                out.append(f'<li><a href="{href}" target="_blank" title="{t}">{t}</a><span>{d}</span></li>')
        out.append("</ul>")
        return "\n".join(out)

    def blank_list(self, col: Column) -> str:
        if col.blank_style == "empty":
            return '<ul class="list"></ul>'
        return '<div class="nodata">暂无信息</div>'

    def pagination(self, col: Column, n: int) -> str:
        pages = col.page_count
        total = len(col.items)

        def link(i: int, text: str, enabled: bool) -> str:
            return f'<a href="{col.page_path(i).rsplit("/", 1)[1]}">{text}</a>' if enabled else f"<span>{text}</span>"

        return (
            f'<div class="page">共{total}条 每页{col.page_size}条 第{n + 1}/{pages}页 '
            f"{link(0, '首页', n > 0)} {link(n - 1, '上一页', n > 0)} "
            f"{link(n + 1, '下一页', n < pages - 1)} {link(pages - 1, '尾页', n < pages - 1)}</div>"
        )

    # -- blocks -----------------------------------------------------------------------------------------
    def block(self, col: Column, items: tuple[Item, ...], style: str) -> str:
        body = self.item_list(items, style, cls="block_list") if items else '<ul class="block_list"><li class="nodata">暂无信息</li></ul>'
        return (
            f'<div class="block"><div class="block_tit"><h3><a href="{col.path}">{escape(col.name)}</a></h3>'
            f'<a class="more" href="{col.path}">更多&gt;&gt;</a></div>\n{body}\n</div>\n'
        )

    def feature_box(self) -> str:
        links = [f for f in self.p.features if f.place == "home"]
        if not links:
            return ""
        parts = []
        for f in links:
            label = escape(f.label)
            if f.image:
                parts.append(f'<a href="{f.path}" target="_blank"><img src="/images/hd_{_slug(f.path)}.gif" '
                             f'alt="{label}" title="{label}" /></a>')
            else:
                parts.append(f'<li><a href="{f.path}" target="_blank">{label}</a></li>')
        inner = "\n".join(parts)
        if not links[0].image:
            inner = f'<ul class="hd_list">{inner}</ul>'
        return f'<div class="box"><div class="box_tit">互动服务</div>\n{inner}\n</div>\n'

    def xxgk_box(self) -> str:
        p = self.p
        out = []
        if p.xxgk == "nav":
            col = next(c for c in p.columns if c.kind == "disclosure")
            out.append(f'<div class="xxgk_banner"><a href="{col.path}"><img src="/images/xxgk.jpg" '
                       'alt="政府信息公开专栏" /></a></div>')
        elif p.xxgk == "banner":
            out.append('<div class="xxgk_banner"><a href="/xxgk/index.html"><img src="/images/xxgk.jpg" '
                       'alt="政府信息公开专栏" /></a></div>')
        if p.disclosure_home:
            out.append('<div class="box"><div class="box_tit">政务公开</div><ul class="gk_list">')
            out.extend(f'<li><a href="{d.path}">{escape(d.label)}</a></li>' for d in p.disclosure_home)
            out.append("</ul></div>")
        return "\n".join(out) + "\n"

    def misc_links(self) -> str:
        p = self.p
        parts = []
        if p.calendar:
            parts.append(f'<a href="/calendar/?m={p.eval_date:%Y-%m}">工作日历</a>')
        for dead in p.broken_links:
            parts.append(f'<a href="{dead.path}">{escape(dead.label)}</a>')
        for trap in p.link_traps:
            if trap.place == "home":
                parts.append(f'<a href="{escape(trap.path)}">{escape(trap.label)}</a>')
        if not parts:
            return ""
        return '<div class="box quick">' + " | ".join(parts) + "</div>\n"

    def friends(self) -> str:
        if not self.p.friends:
            return ""
        options = "".join(f'<option value="{url}">{escape(name)}</option>' for name, url in self.p.friends)
        return (
            '<div class="friends"><strong>友情链接：</strong><select name="yqlj" '
            'onchange="if(this.value!=\'\'){window.open(this.value);}"><option value="">----兄弟单位----</option>'
            f"{options}</select></div>\n"
        )

    # -- pages ------------------------------------------------------------------------------------------
    def home_main(self) -> str:
        style = home_date_style(self.p)
        blocks = "".join(self.block(col, items, style) for col, items in home_items(self.p))
        return (
            '<div class="main clearfix">\n<div class="main_l">\n' + blocks + "</div>\n"
            '<div class="main_r">\n' + self.xxgk_box() + self.feature_box() + self.misc_links() + "</div>\n</div>\n"
        )

    def home(self) -> str:
        body = self.header() + self.nav() + self.home_main() + self.friends() + self.footer()
        return self.doc(self.p.title, body)

    def breadcrumb(self, col: Column | None, extra: str = "") -> str:
        parts = ['<a href="/index.html">首页</a>']
        if col is not None:
            if col.parent:
                parent = self.p.column(col.parent)
                parts.append(f'<a href="{parent.path}">{escape(parent.name)}</a>')
            parts.append(f'<a href="{col.path}">{escape(col.name)}</a>')
        if extra:
            parts.append(escape(extra))
        return '<div class="position">您现在的位置：' + " &gt; ".join(parts) + "</div>\n"

    def left_menu(self, col: Column) -> str:
        parent = self.p.column(col.parent) if col.parent else col
        kids = self.p.children_of(parent)
        if not kids:
            return ""
        out = [f'<div class="left"><div class="left_title"><a href="{parent.path}">{escape(parent.name)}</a></div>',
               '<ul class="left_menu">']
        for kid in kids:
            on = ' class="on"' if kid.key == col.key else ""
            out.append(f'<li{on}><a href="{kid.path}">{escape(kid.name)}</a></li>')
        out.append("</ul></div>")
        return "\n".join(out) + "\n"

    def column_content(self, col: Column, n: int) -> str:
        out = [f'<div class="col_title">{escape(col.name)}</div>']
        if col.kind == "disclosure":
            out.append(self.disclosure_grid())
        if col.kind == "mailbox":
            mails = self.email_html("mailbox")
            out.append(f'<div class="mailbox_intro"><p>欢迎您通过本栏目反映问题、提出意见和建议。</p><p>{mails}</p></div>')
        if col.kind == "index":
            out.append(f'<div class="lm_intro"><p>{escape(col.intro)}</p></div>')
        elif col.blank:
            out.append(f'<div class="listbox">{self.blank_list(col)}</div>')
        else:
            out.append('<div class="listbox">\n' + self.item_list(col.page_items(n), col.date_style, base_dir=col.dir)
                       + "\n" + self.pagination(col, n) + "\n</div>")
        traps = [t for t in self.p.link_traps if t.place == "column"]
        if traps:
            out.append('<div class="lm_links">' + " | ".join(
                f'<a href="{escape(t.path)}">{escape(t.label)}</a>' for t in traps) + "</div>")
        return "\n".join(out) + "\n"

    def disclosure_grid(self) -> str:
        links = self.p.disclosure_page
        if not links:
            return '<div class="gkml"><p>暂无信息</p></div>'
        inner = "".join(f'<span class="gk_item"><a href="{d.path}">{escape(d.label)}</a></span>' for d in links)
        return f'<div class="gkml"><div class="gkml_tit">信息公开分类</div>{inner}</div>'

    def column(self, col: Column, n: int) -> str:
        left = self.left_menu(col)
        content = self.column_content(col, n)
        main = (f'<div class="main clearfix">\n{left}<div class="right">\n{content}</div>\n</div>\n' if left
                else f'<div class="main clearfix">\n<div class="full">\n{content}</div>\n</div>\n')
        body = self.header() + self.nav(col) + self.breadcrumb(col) + main + self.footer()
        return self.doc(f"{col.name}-{self.p.site_name}", body)

    def article_meta(self, item: Item) -> str:
        return f'<meta name="PubDate" content="{item.date:%Y-%m-%d} {item.time}" />\n'

    def article_info(self, item: Item, rng: random.Random) -> str:
        label = rng.choice(("发布时间", "发布时间", "发布日期", "日期"))
        when = f"{item.date:%Y-%m-%d} {item.time}" if label == "发布时间" else (
            f"{item.date.year}年{item.date.month}月{item.date.day}日" if label == "日期" else f"{item.date:%Y-%m-%d}")
        source = self.p.short if self.p.legal_name_shown else self.p.site_name
        return (f'<div class="info">{label}：{when}　来源：{escape(source)}　浏览次数：'
                f'<script type="text/javascript" src="/images/count.js"></script></div>')

    def article(self, item: Item) -> str:
        p = self.p
        col = p.column(item.column)
        rng = random.Random(f"article:{p.seed}:{p.id}:{item.seq}")
        paras = titles.body(rng, p, item.title)
        written = ""
        if col.cls == "notice_policy" and rng.random() < 0.5:
            written = f'<div class="cwrq">成文日期：{cn_numeral_date(item.date - timedelta(days=rng.randint(1, 9)))}</div>'
        reply = ""
        if col.kind == "mailbox":
            reply = (f'<div class="reply"><p><strong>回复单位：</strong>{escape(p.site_name)}办公室</p>'
                     f"<p>您好！您反映的问题已转有关科室办理，感谢您的关心和支持。</p></div>")
        body_html = "\n".join(f"<p>　　{escape(x)}</p>" for x in paras)
        siblings = col.items
        idx = next((i for i, it in enumerate(siblings) if it.seq == item.seq), -1)
        prev_next = []
        if idx > 0:
            prev_next.append(f'<li>上一篇：<a href="{siblings[idx - 1].url}">{escape(siblings[idx - 1].title)}</a></li>')
        if 0 <= idx < len(siblings) - 1:
            prev_next.append(f'<li>下一篇：<a href="{siblings[idx + 1].url}">{escape(siblings[idx + 1].title)}</a></li>')
        content = (
            f'<div class="article"><h1 class="art_title">{escape(item.title)}</h1>\n{self.article_info(item, rng)}\n'
            f'{written}\n<div class="art_con" id="zoom">\n{body_html}\n</div>\n{reply}\n'
            '<div class="art_tool">【<a href="javascript:window.print()">打印本页</a>】'
            '【<a href="javascript:window.close()">关闭窗口</a>】</div>\n'
            f'<ul class="prevnext">{"".join(prev_next)}</ul></div>\n'
        )
        main = f'<div class="main clearfix">\n<div class="full">\n{content}</div>\n</div>\n'
        body = self.header() + self.nav(col) + self.breadcrumb(col, "正文") + main + self.footer()
        meta = self.article_meta(item) + f'<meta name="ColumnName" content="{escape(col.name)}" />\n'
        return self.doc(f"{item.title}-{p.site_name}", body, meta=meta)

    def simple(self, title: str, inner: str) -> str:
        main = f'<div class="main clearfix">\n<div class="full">\n<div class="col_title">{escape(title)}</div>\n{inner}\n</div>\n</div>\n'
        body = self.header() + self.nav() + self.breadcrumb(None, title) + main + self.footer()
        return self.doc(f"{title}-{self.p.site_name}", body)

    def feature_body(self, label: str) -> str:
        return (
            f'<form action="#" method="post" class="hd_form"><p>{escape(label)}</p>'
            '<p>姓名：<input name="name" /></p><p>联系电话：<input name="tel" /></p>'
            '<p>主题：<input name="subject" size="40" /></p><p>内容：<textarea name="content" rows="8" cols="50">'
            '</textarea></p><p><input type="submit" value="提交" /></p></form>'
        )

    def xxgk_page(self) -> str:
        return self.simple("政府信息公开", self.disclosure_grid())

    def sitemap(self) -> str:
        rows = []
        for col in self.p.level1:
            kids = " ".join(f'<a href="{k.path}">{escape(k.name)}</a>' for k in self.p.children_of(col))
            rows.append(f'<tr><td class="sm_l1"><a href="{col.path}">{escape(col.name)}</a></td><td>{kids}</td></tr>')
        return self.simple("网站地图", '<table class="sitemap">' + "".join(rows) + "</table>")

    def contact(self, path: str) -> str:
        p = self.p
        title = "关于本站" if path == "/about.html" else "联系我们"
        return self.simple(title, f"<p>地址：{escape(p.address)}</p><p>电话：{escape(p.phone)}</p>")

    def calendar(self, month: str) -> str:
        p = self.p
        try:
            year, mon = (int(x) for x in month.split("-", 1))
            first = date(year, mon, 1)
        except (ValueError, TypeError):
            first = p.eval_date.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        prev = (first - timedelta(days=1)).replace(day=1)
        days = []
        d = first
        while d.month == first.month:
            days.append(f"<td>{d.day}</td>")
            d += timedelta(days=1)
        rows = "".join("<tr>" + "".join(days[i:i + 7]) + "</tr>" for i in range(0, len(days), 7))
        inner = (
            f'<div class="cal"><a href="/calendar/?m={prev:%Y-%m}">上个月</a> '
            f"<strong>{first.year}年{first.month}月</strong> "
            f'<a href="/calendar/?m={nxt:%Y-%m}">下个月</a><table>{rows}</table></div>'
        )
        return self.simple("工作日历", inner)


class _Trs(_Base):
    """TRS WCM: ul/li navigation with nested sub-menus, PubDate meta on articles."""

    css = "trs_style.css"


class _Hanweb(_Base):
    """Hanweb/大汉: div navigation, tables of items, /col/ and /art/ URLs."""

    css = "hanweb.css"

    def nav(self, current: Column | None = None) -> str:
        links = ['<a href="/index.html" class="navon">首页</a>']
        for col in self.p.level1:
            links.append(f'<a href="{col.path}">{escape(col.name)}</a>')
        return '<div id="nav"><div class="nav_con">' + '<span class="line">|</span>'.join(links) + "</div></div>\n"

    def header(self) -> str:
        p = self.p
        return (
            '<div id="header">\n'
            f'<div class="head_top"><div class="head_l">{self.today()}</div><div class="head_r">{self.header_links()}</div></div>\n'
            f'<div class="logo"><img src="/images/hanweb_logo.jpg" alt="{escape(p.site_name)}网站" width="1000" height="130" />'
            f'<div class="sitename">{escape(p.site_name)}</div></div>\n'
            f"{self.search_form()}</div>\n"
        )

    def left_menu(self, col: Column) -> str:
        parent = self.p.column(col.parent) if col.parent else col
        kids = self.p.children_of(parent)
        if not kids:
            return ""
        links = "".join(
            f'<div class="lm_item{" lm_on" if kid.key == col.key else ""}"><a href="{kid.path}">{escape(kid.name)}</a></div>'
            for kid in kids
        )
        return (f'<div class="lm_left"><div class="lm_title"><a href="{parent.path}">{escape(parent.name)}</a></div>'
                f'<div class="lm_menu">{links}</div></div>\n')

    def article_meta(self, item: Item) -> str:
        return ""


class _Table(_Base):
    """DreamWeaver-era table layout: table navigation, <font> tags, date cells."""

    css = "css.css"

    def header(self) -> str:
        p = self.p
        today = self.today()
        return (
            '<table width="778" border="0" align="center" cellpadding="0" cellspacing="0">\n'
            f'<tr><td height="24" bgcolor="#F2F2F2"><font color="#666666">{today}</font></td>'
            f'<td align="right" bgcolor="#F2F2F2">{self.header_links()}</td></tr>\n'
            f'<tr><td colspan="2" class="tbanner" height="110"><img src="/images/top.jpg" alt="{escape(p.site_name)}网站" '
            f'width="1" height="1" /><font class="sitename_t" size="6" color="#FFFFFF"><b>{escape(p.site_name)}</b></font></td></tr>\n'
            f'<tr><td colspan="2">{self.search_form()}</td></tr>\n</table>\n'
        )

    def nav(self, current: Column | None = None) -> str:
        cells = ['<td align="center" height="32"><a href="/index.html" class="white"><font color="#FFFFFF">网站首页</font></a></td>']
        for col in self.p.level1:
            cells.append('<td width="2"><img src="/images/nav_line.gif" width="2" height="32" /></td>')
            cells.append(f'<td align="center"><a href="{col.path}" class="white"><font color="#FFFFFF">{escape(col.name)}</font></a></td>')
        return ('<table width="778" border="0" align="center" cellpadding="0" cellspacing="0" bgcolor="#0A5BA8" class="nav">'
                "<tr>" + "".join(cells) + "</tr></table>\n")

    def left_menu(self, col: Column) -> str:
        parent = self.p.column(col.parent) if col.parent else col
        kids = self.p.children_of(parent)
        if not kids:
            return ""
        rows = "".join(
            f'<tr><td height="26" class="leftmenu_item">&nbsp;&nbsp;<a href="{kid.path}">{escape(kid.name)}</a></td></tr>'
            for kid in kids
        )
        return (f'<table width="180" border="0" cellpadding="0" cellspacing="0" class="leftmenu" id="leftmenu">'
                f'<tr><td class="lefttitle" height="30"><a href="{parent.path}"><b>{escape(parent.name)}</b></a></td></tr>'
                f"{rows}</table>\n")

    def block(self, col: Column, items: tuple[Item, ...], style: str) -> str:
        body = self.item_list(items, style, cls="block_list") if items else '<table class="block_list"><tr><td>暂无信息</td></tr></table>'
        return (
            '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="block">'
            f'<tr><td class="title_bg" height="28">&nbsp;<a href="{col.path}"><b>{escape(col.name)}</b></a></td>'
            f'<td class="title_bg" align="right"><a href="{col.path}">更多&gt;&gt;</a>&nbsp;</td></tr>'
            f'<tr><td colspan="2">{body}</td></tr></table>\n'
        )

    def column(self, col: Column, n: int) -> str:
        left = self.left_menu(col)
        content = self.column_content(col, n)
        main = (
            '<table width="778" border="0" align="center" cellpadding="0" cellspacing="0" class="main"><tr>'
            + (f'<td width="180" valign="top">{left}</td>' if left else "")
            + f'<td valign="top">{content}</td></tr></table>\n'
        )
        body = self.header() + self.nav(col) + self.breadcrumb(col) + main + self.footer()
        return self.doc(f"{col.name}-{self.p.site_name}", body)

    def article_meta(self, item: Item) -> str:
        return ""


class _Script(_Trs):
    """The main navigation is built by JavaScript from an inline JSON array (invisible without rendering)."""

    css = "main.css"

    def nav(self, current: Column | None = None) -> str:
        data = [{"name": "首页", "url": "/index.html"}]
        for col in self.p.level1:
            entry: dict[str, object] = {"name": col.name, "url": col.path}
            kids = self.p.children_of(col)
            if kids:
                entry["children"] = [{"name": k.name, "url": k.path} for k in kids]
            data.append(entry)
        payload = json.dumps(data, ensure_ascii=False)
        return (
            '<div class="nav" id="nav"><ul class="menu" id="menu"></ul></div>\n'
            '<script type="text/javascript">\n'
            f"var navData = {payload};\n"
            "(function () {\n"
            "  var html = [];\n"
            "  for (var i = 0; i < navData.length; i++) {\n"
            "    var c = navData[i];\n"
            "    html.push('<li class=\"nav_li\"><a href=\"' + c.url + '\">' + c.name + '</a>');\n"
            "    if (c.children && c.children.length) {\n"
            "      html.push('<ul class=\"sub_menu\">');\n"
            "      for (var j = 0; j < c.children.length; j++) {\n"
            "        html.push('<li><a href=\"' + c.children[j].url + '\">' + c.children[j].name + '</a></li>');\n"
            "      }\n"
            "      html.push('</ul>');\n"
            "    }\n"
            "    html.push('</li>');\n"
            "  }\n"
            "  document.getElementById('menu').innerHTML = html.join('');\n"
            "})();\n"
            "</script>\n"
        )


_TEMPLATES: dict[str, type[_Base]] = {"trs": _Trs, "hanweb": _Hanweb, "table": _Table, "script": _Script}


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "_").replace(".html", "") or "index"


def _conac_id(p: SiteProfile) -> str:
    return f"{random.Random(f'conac:{p.id}').randint(10000000, 99999999)}"
