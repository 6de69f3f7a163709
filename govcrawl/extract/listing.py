"""List entries, pagination, "more" links, empty-list detection and the page-type guess.

An item is a link with a title-like text in a list row (``li``, ``tr``, ``dd``, ``p`` or a small box)
that carries a date, or an undated entry of a list of such rows.  Navigation, breadcrumb and footer
links are never items.  Dates inside the row (outside the title first) go through the date cascade;
year-less dates (``[12-07]``) take their year from the reference date and are never in its future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .columns import Navigation, clean_name
from .dates import ascii_digits, full_dates, month_day, resolve_month_day, trap_kind, year_reference
from .html import Anchor, Doc, compact, hint_of, norm_space, same_site, text_of
from .taxonomy import Taxonomy

__all__ = ["Item", "find_items", "pagination", "more_links", "blank_marker", "page_type", "ARTICLE_URL_RE"]

_ROW_TAGS = frozenset(("li", "tr", "dd", "dt", "p", "h3", "h4", "h5"))
_BOXY_TAGS = frozenset(("div", "span", "td", "section", "article", "font"))
ARTICLE_URL_RE = re.compile(
    r"/t(?:19|20)\d{6}_\d+\.s?html?"
    r"|/art/(?:19|20)\d\d/\d{1,2}/\d{1,2}/art_"
    r"|content_\d+\.s?html?"
    r"|/(?:19|20)\d{4}/[0-9a-f]{16,}\.s?html?"
    r"|/(?:19|20)\d\d-\d\d/\d\d/content"
    r"|(?:show|detail|view|article|content|info|news|read)\w*\.(?:aspx?|jsp|php|do|action)\?[^#]*\bid=",
    re.IGNORECASE,
)
_HOME_PATH_RE = re.compile(r"/?(?:(?:index|default|main|home|portal)\.(?:s?html?|jsp|php|aspx?|do))?", re.IGNORECASE)
_LIST_PATH_RE = re.compile(r"/(?:index(?:_\d+)?\.s?html?|list\w*\.\w+|[^/]*_\d+\.s?html?)?$", re.IGNORECASE)
_TOTAL_PAGES_RES = (
    re.compile(r"共\s*计?\s*(\d{1,5})\s*页"),
    re.compile(r"第\s*\d{1,5}\s*/\s*(\d{1,5})\s*页"),
    re.compile(r"页次\s*[:：]?\s*\d{1,5}\s*/\s*(\d{1,5})"),
    re.compile(r"(?<![\d/])\d{1,5}\s*/\s*(\d{1,5})\s*页"),
)
# TRS paging: createPageHTML(countPage, currentPage, "index", "html")
_SCRIPT_PAGES_RE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d{1,5})['\"]?\s*,\s*['\"]?(\d{1,5})['\"]?\s*,"
    r"\s*['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_SCRIPT_COUNT_RE = re.compile(
    r"(?:countPage|pageCount|totalPage|totalPages|page_count|pagecount)\s*[=:]\s*['\"]?(\d{1,5})"
)


@dataclass
class Item:
    title: str
    url: str | None
    date: date | None
    date_method: str | None
    anchor: Anchor

    def as_dict(self) -> dict[str, object]:
        return {"title": self.title, "url": self.url, "date": self.date.isoformat() if self.date else None,
                "date_method": self.date_method}


def _row_of(a: Anchor, counts: dict[etree._Element, int]) -> etree._Element:
    """The list row of a link: its li / dd / p, its table row (unless the cell or row is a layout box
    holding many links), else its parent element."""
    el = a.el.getparent()
    depth = 0
    first = el
    while el is not None and depth < 5 and el.tag not in ("body", "html"):
        tag = el.tag
        if tag in _ROW_TAGS:
            if tag == "tr" and _anchor_count(el, counts, 4) > 3:
                break
            return el
        if tag in ("td", "th") and _anchor_count(el, counts, 3) > 2:
            break
        if tag in ("ul", "ol", "table", "tbody", "dl"):
            break
        el = el.getparent()
        depth += 1
    return first if first is not None else a.el


def _row_text(row: etree._Element) -> str:
    """The row's text without rows nested in it (broken markup nests unclosed ``li`` rows)."""
    if row.find(".//" + row.tag) is None:
        return text_of(row)
    out: list[str] = [row.text or ""]

    def walk(parent: etree._Element) -> None:
        for ch in parent:
            if ch.tag != row.tag and isinstance(ch.tag, str):
                out.append(ch.text or "")
                walk(ch)
            if ch.tag != row.tag:
                out.append(ch.tail or "")

    walk(row)
    return "".join(out)


def _main_anchor(row: etree._Element, doc: Doc, counts: dict[etree._Element, int]) -> etree._Element | None:
    """The title link of a row holding several links (the longest text among the row's own links)."""
    best = None
    best_len = 0
    for el in row.iter("a"):
        a = doc.anchor_by_el.get(el)
        if a is None or not a.url:
            continue
        if el is not a.el or _row_of(a, counts) is not row:
            continue
        if len(a.name) > best_len:
            best, best_len = el, len(a.name)
    return best


_COUNT_A = etree.XPath("count(.//a)")


def _anchor_count(el: etree._Element, memo: dict[etree._Element, int], limit: int = 4) -> int:
    """Number of links below ``el`` (C-level XPath count, memoised per page), capped at ``limit``."""
    n = memo.get(el)
    if n is None:
        n = int(_COUNT_A(el))
        memo[el] = n
    return min(n, limit)


def _in_region(el: etree._Element, rx: re.Pattern[str], memo: dict[etree._Element, bool]) -> bool:
    chain: list[etree._Element] = []
    e: etree._Element | None = el
    result = False
    while e is not None and isinstance(e.tag, str) and e.tag not in ("body", "html"):
        if e in memo:
            result = memo[e]
            break
        chain.append(e)
        h = hint_of(e)
        if e.tag == "footer" or (h and rx.search(h)):
            result = True
            break
        e = e.getparent()
    for c in chain:
        memo[c] = result
    return result


_DateFound = tuple[date | None, str | None, tuple[int, int] | None, str | None]


_SITE_UPDATE_RE = re.compile(r"最后更新|网站更新|本站更新|最近更新|页面更新|最新更新")


def _row_trap(t: str, start: int, end: int, tax: Taxonomy) -> str | None:
    """Trap kind of a date in a list row: a plain 更新时间 label is an item's own date there."""
    kind = trap_kind(t, start, end, tax)
    if kind == "last_updated" and not _SITE_UPDATE_RE.search(t[max(0, start - 24):start]):
        return None
    return kind


def _date_in(text: str, ref: date | None, tax: Taxonomy) -> _DateFound:
    """(date, method, span, trap kind) for the first date of a row text."""
    t = ascii_digits(text)
    for hit in full_dates(t):
        kind = _row_trap(t, hit.start, hit.end, tax)
        if kind:
            return None, None, None, kind
        return hit.value, f"item:{hit.method}", (hit.start, hit.end), None
    md = month_day(t)
    if md:
        month, day, method, start, end = md
        kind = _row_trap(t, start, end, tax)
        if kind:
            return None, None, None, kind
        if ref is None:
            return None, f"item:{method}:no-year", (start, end), None
        return resolve_month_day(month, day, ref), f"item:{method}", (start, end), None
    return None, None, None, None


def find_items(doc: Doc, tax: Taxonomy, nav: Navigation, now: date | None) -> tuple[list[Item], list[dict[str, str]]]:
    """The page's list entries (dated and undated) and the trap dates met in rows."""
    ref, ref_kind = year_reference(doc, tax, now)
    counts: dict[etree._Element, int] = {}
    footer_memo: dict[etree._Element, bool] = {}
    items: list[Item] = []
    traps: list[dict[str, str]] = []
    seen: set[tuple[str | None, str]] = set()
    row_members: dict[etree._Element, int] = {}
    undated: list[tuple[Item, etree._Element]] = []
    for a in doc.anchors:
        if a.index in nav.used or not a.url:
            continue
        name = a.name
        if len(name) < 4 or name.lower() in tax.more_texts or name in tax.next_texts or name in tax.last_texts:
            continue
        if tax.item_skip_re.match(name) or name in tax.utility_links:
            continue
        row = _row_of(a, counts)
        if _anchor_count(row, counts) > 3 and row.tag not in ("tr",):
            row = a.el.getparent() if a.el.getparent() is not None else a.el
            if _anchor_count(row, counts) > 3:
                row = a.el
        if row is not a.el and _anchor_count(row, counts, 2) > 1 and _main_anchor(row, doc, counts) is not a.el:
            continue
        row_text = norm_space(_row_text(row)) if row is not a.el else ""
        if tax.item_skip_re.match(row_text.replace(" ", "")):
            continue
        if _in_region(row, tax.nav_footer_re, footer_memo):
            continue
        title = a.text
        rest = row_text.replace(a.text, " ", 1) if row_text else ""
        d, method, _span, trap = _date_in(rest, ref, tax) if rest else (None, None, None, None)
        if d is None and method is None and trap is None:
            d2, m2, span, trap2 = _date_in(a.text, ref, tax)
            if span and (span[1] >= len(ascii_digits(a.text).rstrip()) - 1 or span[0] == 0):
                d, method, trap = d2, m2, trap2
                stripped = (a.text[: span[0]] + a.text[span[1]:]).strip(" -_|·[]()（）【】")
                if len(compact(stripped)) >= 4:
                    title = norm_space(stripped)
        if trap:
            traps.append({"text": row_text[:80] or a.text[:80], "kind": trap})
            continue
        if method and d is not None and method.startswith("item:md-"):
            method = f"{method}+year:{ref_kind}"
        tattr = norm_space(a.el.get("title"))
        if tattr and len(tattr) > len(title) and (title.endswith(("...", "…", "..")) or tattr.startswith(title[:4])):
            title = tattr
        key = (a.url, title)
        if key in seen:
            continue
        seen.add(key)
        item = Item(title, a.url, d, method, a)
        if method:
            items.append(item)
        elif row is not a.el and row.tag in ("li", "tr", "dd", "dt") and len(name) >= 6 and same_site(a.url, doc.host):
            parent = row.getparent()
            if parent is not None:
                row_members[parent] = row_members.get(parent, 0) + 1
                undated.append((item, parent))
    for item, parent in undated:
        if row_members.get(parent, 0) >= 3:
            items.append(item)
    items.sort(key=lambda it: it.anchor.index)
    return items, traps


def pagination(doc: Doc, tax: Taxonomy) -> dict[str, object]:
    """{next, last, total_pages} from 下一页 / 尾页 links, 共N页 texts and TRS paging scripts."""
    nxt: str | None = None
    last: str | None = None
    for a in doc.anchors:
        name = a.name
        if not a.url or not name:
            continue
        if nxt is None and (name in tax.next_texts or name.startswith("下一页") or name.startswith("下页")):
            nxt = a.url
        elif last is None and (name in tax.last_texts or name.startswith(("尾页", "末页", "最后一页"))):
            last = a.url
    total: int | None = None
    for line in doc.lines:
        if "页" not in line or len(line) > 300:
            continue
        for rx in _TOTAL_PAGES_RES:
            m = rx.search(line)
            if m:
                total = int(m.group(1))
                break
        if total is not None:
            break
    for s in doc.scripts:
        m = _SCRIPT_PAGES_RE.search(s)
        if m:
            count, current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
            total = total or count
            if nxt is None and current + 1 < count:
                nxt = urljoin(doc.base_url, f"{prefix}_{current + 1}.{ext}")
            if last is None and count > 1:
                last = urljoin(doc.base_url, f"{prefix}_{count - 1}.{ext}")
            break
        if total is None:
            m2 = _SCRIPT_COUNT_RE.search(s)
            if m2:
                total = int(m2.group(1))
    if nxt is not None and nxt.split("#")[0] == doc.url.split("#")[0]:
        nxt = None
    return {"next": nxt, "last": last, "total_pages": total}


def more_links(doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    """Block "更多 / more / >>" links with the block's title when one is found."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for a in doc.anchors:
        if not a.url:
            continue
        name = a.name.lower()
        if not (name in tax.more_texts or name.startswith("更多") or name.startswith("more")):
            continue
        if a.url in seen:
            continue
        seen.add(a.url)
        out.append({"text": a.text, "url": a.url, "block": _block_title(a)})
    return out


def _block_title(a: Anchor) -> str | None:
    parent = a.el.getparent()
    if parent is not None:
        t = clean_name(norm_space(text_of(parent)).replace(a.text, " ", 1))
        if 2 <= len(t) <= 12:
            return t
    sib = a.el.getprevious()
    hops = 0
    while sib is not None and hops < 3:
        if isinstance(sib.tag, str):
            t = clean_name(text_of(sib))
            if 2 <= len(t) <= 12:
                return t
        sib = sib.getprevious()
        hops += 1
    if parent is not None:
        sib = parent.getprevious()
        if sib is not None and isinstance(sib.tag, str):
            t = clean_name(text_of(sib))
            if 2 <= len(t) <= 12:
                return t
    return None


def blank_marker(doc: Doc, tax: Taxonomy) -> str | None:
    """The 暂无信息-style text of an empty list, if the page shows one."""
    for line in doc.lines:
        if line and len(line) <= 30:
            m = tax.blank_re.search(line)
            if m:
                return line
    return None


def _has_article_body(doc: Doc, minimum: int = 150) -> bool:
    long_chars = 0
    for x in doc.lines:
        if len(x) >= 40:
            long_chars += len(x)
            if long_chars >= minimum:
                return True
    return False


def page_type(doc: Doc, tax: Taxonomy, items: list[Item], pages: dict[str, object], marker: str | None,
              has_label_date: bool) -> str:
    """home | list | article | other (a guess from the URL and the page's shape)."""
    parts = urlsplit(doc.url)
    path = parts.path or "/"
    if _HOME_PATH_RE.fullmatch(path) and not parts.query:
        return "home"
    if ARTICLE_URL_RE.search(doc.url):
        return "article"
    dated = sum(1 for it in items if it.date is not None)
    if dated >= 3 or pages.get("next") or pages.get("total_pages") or marker:
        return "list"
    if has_label_date and _has_article_body(doc):
        return "article"
    if _LIST_PATH_RE.search(path) or len(items) >= 3:
        return "list"
    if _has_article_body(doc) and len(items) < 3:
        return "article"
    return "other"
