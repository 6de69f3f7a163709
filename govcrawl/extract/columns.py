"""Navigation: the main menu (level 1), its sub-menus (level 2) and a page's side sub-column menu.

Real CMS markup varies (TRS, Hanweb, DreamWeaver tables, hand-made sites), so the main menu is found
by scoring every group of links rather than by one selector:

* a ``ul``/``ol`` whose ``li`` each hold a link (nested lists or extra links in an ``li`` are its
  sub-menu), a table row whose cells hold links, a table whose rows each hold one link, or a
  ``div``/``p``/``td`` with a flat run of links;
* hints raise or lower a group's score: id/class words (nav, menu, daohang, dh, ...), a 首页 entry,
  column words (政务公开, 互动交流, ...), being early in the page; utility bars (联系我们 | 网站地图),
  footers, breadcrumbs, long titles (news lists) and dated rows count against it.

Sub-menus are read from nesting, from panels whose id refers to the menu entry's id (TRS
``<li id="17626">`` + ``<ul id="17626_ul">``) or from a following sub-navigation block with one panel
per entry.  Menus built by scripts are not visible here; ``nav_script_built`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from .html import _EDGE_JUNK_RE, Anchor, Doc, compact, hint_of, norm_space, same_site, text_of
from .taxonomy import Taxonomy

__all__ = ["NavItem", "Navigation", "find_navigation", "breadcrumb", "columns_of", "script_built_nav"]

# Inline wrappers a menu link may sit in without breaking a flat run of links.
_FLAT_WRAPPERS = frozenset(
    ["span", "em", "strong", "b", "i", "font", "u", "small", "big", "label",
     "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt"]
)
_LIST_TAGS = frozenset(("ul", "ol"))
_CRUMB_TEXT_RE = re.compile(r"当前位置|现在的位置|所在位置|您的位置|你的位置|当前所在|您现在|位置[:：]")
_DATEISH_RE = re.compile(r"(?:19|20)\d\d[-/.年]\d{1,2}|(?<!\d)\d{1,2}[-/]\d{1,2}(?!\d)")


def clean_name(text: str) -> str:
    """A column name: whitespace removed, decoration (arrows, bullets, separators) stripped."""
    return _EDGE_JUNK_RE.sub("", compact(text))


@dataclass
class NavItem:
    """One entry of a menu: its link, its container (li / td / the link) and its sub-menu links."""

    name: str
    anchor: Anchor
    el: etree._Element
    children: list[Anchor] = field(default_factory=list)


@dataclass
class Navigation:
    """The page's navigation structures."""

    items: list[NavItem]
    container: etree._Element | None
    side: list[Anchor]
    side_container: etree._Element | None
    side_parent: str | None
    crumbs: list[str]
    used: set[int]  # indexes of anchors that belong to navigation (not list items)
    script_built: bool


@dataclass
class _Cand:
    el: etree._Element
    kind: str
    items: list[NavItem]
    score: float = 0.0
    crumb: bool = False


def _hint_chain(el: etree._Element, levels: int = 4) -> str:
    parts: list[str] = []
    e: etree._Element | None = el
    for _ in range(levels):
        if e is None or not isinstance(e.tag, str) or e.tag in ("body", "html"):
            break
        h = hint_of(e)
        if h:
            parts.append(h)
        e = e.getparent()
    return " ".join(parts)


def _first_anchor(el: etree._Element, doc: Doc) -> Anchor | None:
    for a_el in el.iter("a"):
        a = doc.anchor_by_el.get(a_el)
        if a is not None and a.cname:
            return a
    return None


def _anchors_in(el: etree._Element, doc: Doc) -> list[Anchor]:
    out = []
    for a_el in el.iter("a"):
        a = doc.anchor_by_el.get(a_el)
        if a is not None and a.cname:
            out.append(a)
    return out


def _element_children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _rows_of_table(el: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for c in el:
        if c.tag == "tr":
            rows.append(c)
        elif c.tag in ("tbody", "thead", "tfoot"):
            rows.extend(r for r in c if r.tag == "tr")
    return rows


def _nearest(el: etree._Element, tags: frozenset[str] | tuple[str, ...]) -> etree._Element | None:
    p = el.getparent()
    while p is not None and p.tag not in tags:
        p = p.getparent()
    return p


def _list_items(el: etree._Element, doc: Doc) -> list[NavItem]:
    """Entries of a ul/ol: its li (also li that broken markup nested inside a sibling li or link)."""
    direct = [li for li in el if li.tag == "li"]
    lis = [li for li in el.iter("li") if _nearest(li, _LIST_TAGS) is el]
    if len(lis) != len(direct):
        lis_set = set(lis)
        items: list[NavItem] = []
        for li in lis:
            own = []
            for a in _anchors_in(li, doc):
                p = a.el.getparent()
                while p is not None and p not in lis_set:
                    p = p.getparent()
                if p is li:
                    own.append(a)
            if own:
                items.append(NavItem(own[0].cname, own[0], li, own[1:]))
        return items
    items = []
    for li in direct:
        anchors = _anchors_in(li, doc)
        if not anchors:
            continue
        top = anchors[0]
        items.append(NavItem(top.cname, top, li, anchors[1:]))
    return items


def _row_items(el: etree._Element, doc: Doc) -> list[NavItem]:
    items: list[NavItem] = []
    for td in el:
        if td.tag not in ("td", "th"):
            continue
        anchors = _anchors_in(td, doc)
        if not anchors:
            continue
        if len(anchors) > 1:
            if td.find(".//table") is not None:
                return []  # a layout row, not a menu row
            flat = _flat_items(td, anchors)
            if flat:
                items.extend(flat)  # one cell holding a flat run of links
                continue
        items.append(NavItem(anchors[0].cname, anchors[0], td, anchors[1:]))
    return items


def _table_items(el: etree._Element, doc: Doc) -> list[NavItem]:
    items: list[NavItem] = []
    for tr in _rows_of_table(el):
        anchors = _anchors_in(tr, doc)
        if len(anchors) != 1:
            if anchors:
                return []
            continue
        items.append(NavItem(anchors[0].cname, anchors[0], tr, []))
    return items


def _flat_items(el: etree._Element, anchors: list[Anchor]) -> list[NavItem]:
    items: list[NavItem] = []
    for a in anchors:
        p = a.el.getparent()
        while p is not None and p is not el:
            if p.tag not in _FLAT_WRAPPERS:
                return []
            p = p.getparent()
        if p is None:
            return []
        items.append(NavItem(a.cname, a, a.el, []))
    return items


def _box_items(el: etree._Element, doc: Doc) -> list[NavItem]:
    """A div (or similar) whose child boxes each hold one link: ``<div class="item"><a>…</a></div>``."""
    items: list[NavItem] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "a":
            a = doc.anchor_by_el.get(child)
            if a is not None and a.cname:
                items.append(NavItem(a.cname, a, child, []))
            continue
        if child.tag in ("ul", "ol", "table", "tbody", "tr"):
            return []
        anchors = _anchors_in(child, doc)
        if len(anchors) > 1:
            return []
        if anchors:
            items.append(NavItem(anchors[0].cname, anchors[0], child, []))
    return items


def _candidates(doc: Doc) -> list[_Cand]:
    groups: dict[etree._Element, list[Anchor]] = {}
    for a in doc.anchors:
        if not a.name:
            continue
        el = a.el.getparent()
        depth = 0
        while el is not None and depth < 6 and el.tag not in ("body", "html"):
            groups.setdefault(el, []).append(a)
            el = el.getparent()
            depth += 1
    cands: list[_Cand] = []
    for el, anchors in groups.items():
        if len(anchors) < 2 and el.tag not in _LIST_TAGS:
            continue  # a one-entry ul can still be a side menu (a column with one sub-column)
        tag = el.tag
        if tag in _LIST_TAGS:
            items, kind = _list_items(el, doc), "list"
        elif tag == "tr":
            items, kind = _row_items(el, doc), "row"
        elif tag in ("table", "tbody"):
            if tag == "table" and el.find("tbody") is not None:
                continue
            items, kind = _table_items(el.getparent() if tag == "tbody" else el, doc), "table"
        else:
            items, kind = _flat_items(el, anchors), "flat"
            if not items:
                items, kind = _box_items(el, doc), "boxes"
        items = [it for it in items if it.name]
        if len(items) >= 2 or (items and kind == "list"):
            cands.append(_Cand(el, kind, items))
    return cands


def _in_region(el: etree._Element, rx: re.Pattern[str], levels: int = 8) -> bool:
    e: etree._Element | None = el
    for _ in range(levels):
        if e is None or not isinstance(e.tag, str) or e.tag in ("body", "html"):
            return False
        if e.tag == "footer":
            return True
        h = hint_of(e)
        if h and rx.search(h):
            return True
        e = e.getparent()
    return False


def _is_crumb(cand: _Cand, doc: Doc, tax: Taxonomy, crumb_lines: set[int]) -> bool:
    if tax.nav_crumb_re.search(_hint_chain(cand.el, 2)):
        return True
    first = cand.items[0].anchor
    return first.line in crumb_lines and all(it.anchor.line == first.line for it in cand.items)


def _main_score(cand: _Cand, doc: Doc, tax: Taxonomy, total: int) -> float:
    items = cand.items
    n = len(items)
    if n < 3 or n > 25:
        return -100.0
    names = [it.name for it in items]
    score = 0.0
    avg = sum(len(x) for x in names) / n
    if avg > 7:
        score -= (avg - 7) * 1.5
    score -= 2.0 * sum(1 for x in names if len(x) > 12)
    chain = _hint_chain(cand.el, 4)
    if tax.nav_main_re.search(chain):
        score += 6
    parent = cand.el.getparent()
    if tax.nav_side_re.search(hint_of(cand.el)) or (
            parent is not None and tax.nav_side_re.search(_hint_chain(parent, 2))):
        score -= 4
    if _in_region(cand.el, tax.nav_footer_re):
        score -= 10
    if any(x in tax.home_links for x in names):
        score += 4
        if names[0] in tax.home_links:
            score += 1
    kw = sum(1 for x in names if tax.nav_keywords_re.search(x))
    score += 6.0 * kw / n
    util = sum(1 for x in names if x in tax.utility_links)
    score -= 10.0 * util / n
    dated = 0
    for it in items:
        if it.el is not it.anchor.el:
            tail = norm_space(text_of(it.el))
            if _DATEISH_RE.search(tail.replace(it.anchor.text, "")):
                dated += 1
    if dated >= 2:
        score -= 6
    offsite = sum(1 for it in items if it.anchor.url and not same_site(it.anchor.url, doc.host))
    if offsite * 2 > n:
        score -= 4
    pos = items[0].anchor.index / max(1, total)
    score += (1.0 - pos) * 4
    if 4 <= n <= 14:
        score += 1
    if cand.kind == "list":
        score += 0.5
    return score


def _looks_like_menu(cand: _Cand, doc: Doc, tax: Taxonomy) -> bool:
    """A winning group must carry a menu hint (id/class), a home entry, or be a long early run of column
    names: a sidebar box of three links is not the site's navigation."""
    if tax.nav_main_re.search(_hint_chain(cand.el, 4)):
        return True
    names = [it.name for it in cand.items]
    if any(x in tax.home_links for x in names):
        return True
    early = cand.items[0].anchor.index <= max(10, len(doc.anchors) // 4)
    kw = sum(1 for x in names if tax.nav_keywords_re.search(x))
    return len(names) >= 5 and early and kw * 2 >= len(names)


def _crumb_lines(doc: Doc) -> set[int]:
    cached = doc.cache.get("crumb_lines")
    if cached is None:
        cached = {i for i, line in enumerate(doc.lines) if len(line) < 200 and _CRUMB_TEXT_RE.search(line)}
        doc.cache["crumb_lines"] = cached
    return cached  # type: ignore[return-value]


def breadcrumb(doc: Doc, tax: Taxonomy) -> list[str]:
    """Names of the breadcrumb links (首页 › 投资南沙 › 投资政策 …), or []."""
    lines = _crumb_lines(doc)
    crumbs = [a.cname for a in doc.anchors if a.line in lines and a.cname]
    if not crumbs:
        crumbs = [a.cname for a in doc.anchors
                  if (a.el.get("class") or "").lower() == "currchnlcls" and a.cname]
    return crumbs


def _id_affix_ok(rest: str) -> bool:
    return bool(re.fullmatch(r"[_\-]?[A-Za-z]{0,10}[_\-]?", rest)) and rest != ""


def _id_linked_children(item: NavItem, doc: Doc, nav_el: etree._Element) -> list[Anchor]:
    keys = [k for k in (item.el.get("id"), item.anchor.el.get("id")) if k]
    for key in keys:
        for other_id, other in doc.ids.items():
            if other_id == key or other is item.el or other is item.anchor.el:
                continue
            if other_id.startswith(key):
                rest = other_id[len(key):]
            elif other_id.endswith(key):
                rest = other_id[: -len(key)]
            else:
                continue
            if not _id_affix_ok(rest):
                continue
            # never the menu itself or an ancestor of it
            if any(anc is other for anc in nav_el.iterancestors()) or other is nav_el:
                continue
            anchors = _anchors_in(other, doc)
            if anchors:
                return anchors
    return []


def _sibling_panels(nav_el: etree._Element, items: list[NavItem], doc: Doc, tax: Taxonomy) -> list[list[Anchor]] | None:
    """A sub-navigation block right after the menu with one panel per entry (zipped in order)."""
    e: etree._Element | None = nav_el
    for _ in range(3):
        if e is None:
            return None
        sib = e.getnext()
        hops = 0
        while sib is not None and hops < 3:
            hint = hint_of(sib) if isinstance(sib.tag, str) else ""
            if hint and (tax.nav_side_re.search(hint) or tax.nav_main_re.search(hint)):
                panels = [c for c in _element_children(sib) if c.tag in ("ul", "ol", "div", "dl", "p")]
                if len(panels) == len(items) or len(panels) == len(items) - 1:
                    offset = len(items) - len(panels)
                    out: list[list[Anchor]] = [[] for _ in items]
                    for i, panel in enumerate(panels):
                        out[i + offset] = _anchors_in(panel, doc)
                    if any(out):
                        return out
            sib = sib.getnext()
            hops += 1
        e = e.getparent()
    return None


_SCRIPT_LINK_RE = re.compile(
    r"(?:document\.write(?:ln)?\s*\(|\.innerHTML\s*\+?=|\.append\(|\.html\()\s*[^;]{0,400}?<(?:a|li)\b"
    r"|createElement\(\s*['\"]a['\"]\s*\)",
    re.IGNORECASE,
)
_SCRIPT_MENU_RE = re.compile(r"nav|menu|daohang|lanmu|channel|column|栏目|导航|首页|政务公开|信息公开", re.IGNORECASE)
_SCRIPT_DATA_RE = re.compile(
    r"(?:nav|menu|channel|lanmu|column)\w*\s*[=:]\s*\[\s*\{"
    r"|['\"]?(?:name|title|text)['\"]?\s*:\s*['\"][^'\"]{1,20}['\"]\s*,\s*['\"]?(?:url|href|link)['\"]?\s*:",
    re.IGNORECASE,
)
_SCRIPT_PAGER_RE = re.compile(r"下一页|尾页|countPage|createPageHTML|pagenav", re.IGNORECASE)


def script_built_nav(doc: Doc) -> bool:
    """True when inline scripts build links or hold menu data (a menu only visible after rendering)."""
    for s in doc.scripts:
        if len(s) > 200000:
            continue
        if _SCRIPT_DATA_RE.search(s):
            return True
        if _SCRIPT_LINK_RE.search(s) and _SCRIPT_MENU_RE.search(s) and not _SCRIPT_PAGER_RE.search(s):
            return True
    return False


def _side_score(cand: _Cand, doc: Doc, tax: Taxonomy, crumbs: list[str], page_path: str, main_used: set[int]) -> float:
    items = cand.items
    n = len(items)
    if n < 1 or n > 40:
        return -100.0
    if all(it.anchor.index in main_used for it in items):
        return -100.0
    if n == 1 and not tax.nav_side_re.search(_hint_chain(cand.el, 3)):
        return -100.0
    names = [it.name for it in items]
    if sum(len(x) for x in names) / n > 12:
        return -100.0
    score = 0.0
    if tax.nav_side_re.search(_hint_chain(cand.el, 4)):
        score += 5
    if _in_region(cand.el, tax.nav_footer_re):
        score -= 10
    util = sum(1 for x in names if x in tax.utility_links or x in tax.home_links)
    score -= 8.0 * util / n
    crumbset = set(crumbs[1:])
    if crumbset and any(x in crumbset for x in names):
        score += 3
    for it in items:
        u = it.anchor.url
        if not u:
            continue
        path = urlsplit(u).path or "/"
        if path != "/" and page_path.startswith(path) and path.endswith("/"):
            score += 4
            break
    offsite = sum(1 for it in items if it.anchor.url and not same_site(it.anchor.url, doc.host))
    if offsite * 2 > n:
        score -= 5
    dated = sum(1 for it in items if it.el is not it.anchor.el
                and _DATEISH_RE.search(norm_space(text_of(it.el)).replace(it.anchor.text, "")))
    if dated >= 2:
        score -= 8
    return score


def _side_parent(cand: _Cand, crumbs: list[str], nav_names: set[str], tax: Taxonomy) -> str | None:
    for c in crumbs:
        if c in tax.home_links:
            continue
        if c in nav_names:
            return c
    # the menu's own title (dt / heading / first line of its box) when it is a level-1 name
    box = cand.el.getparent()
    for _ in range(3):
        if box is None:
            break
        for h in box.iter("dt", "h2", "h3", "h4", "strong"):
            t = clean_name(text_of(h))
            if t in nav_names:
                return t
        box = box.getparent()
    return None


def find_navigation(doc: Doc, tax: Taxonomy, *, is_home: bool) -> Navigation:
    """Main menu with sub-menus, side sub-column menu (non-home pages), breadcrumb, script-built flag."""
    cached = doc.cache.get("navigation")
    if cached is not None:
        return cached  # type: ignore[return-value]
    cands = _candidates(doc)
    crumb_lines = _crumb_lines(doc)
    crumbs = breadcrumb(doc, tax)
    total = len(doc.anchors)
    best: _Cand | None = None
    for c in cands:
        if _is_crumb(c, doc, tax, crumb_lines):
            c.crumb = True
            c.score = -100.0
            continue
        c.score = _main_score(c, doc, tax, total)
        if best is None or c.score > best.score:
            best = c
    items: list[NavItem] = []
    container = None
    used: set[int] = set()
    if best is not None and best.score >= 4.0 and _looks_like_menu(best, doc, tax):
        items = best.items
        container = best.el
        if not any(it.children for it in items):
            for it in items:
                it.children = _id_linked_children(it, doc, container)
            if not any(it.children for it in items):
                panels = _sibling_panels(container, items, doc, tax)
                if panels:
                    for it, kids in zip(items, panels, strict=True):
                        it.children = kids
        for it in items:
            used.add(it.anchor.index)
            used.update(a.index for a in it.children)
    for a in doc.anchors:
        if a.line in crumb_lines:
            used.add(a.index)

    side: list[Anchor] = []
    side_el = None
    side_parent = None
    if not is_home:
        page_path = urlsplit(doc.url).path or "/"
        best_side: _Cand | None = None
        best_score = 4.5
        for c in cands:
            if c is best or c.crumb:
                continue
            if container is not None and (c.el is container or any(anc is container for anc in c.el.iterancestors())):
                continue
            s = _side_score(c, doc, tax, crumbs, page_path, used)
            if s > best_score:
                best_side, best_score = c, s
        if best_side is not None:
            side = [it.anchor for it in best_side.items if it.anchor.index not in used]
            side_el = best_side.el
            side_parent = _side_parent(best_side, crumbs, {it.name for it in items}, tax)
            used.update(a.index for a in side)

    nav = Navigation(items, container, side, side_el, side_parent, crumbs, used,
                     script_built=len(items) < 3 and script_built_nav(doc))
    doc.cache["navigation"] = nav
    return nav


def _is_home_link(a: Anchor, name: str, tax: Taxonomy) -> bool:
    if name in tax.home_links:
        return True
    if a.url:
        path = urlsplit(a.url).path
        if path in ("", "/") or re.fullmatch(r"/(?:index|default)\.\w+", path or ""):
            return True
    return False


def columns_of(nav: Navigation, doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    """The ``columns`` list: level-1 menu entries, their sub-menus, and the side menu as level 2."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()

    def add(a: Anchor, name: str, level: int, parent: str | None) -> None:
        if not name or not a.url or not same_site(a.url, doc.host):
            return
        if _is_home_link(a, name, tax):
            return
        key = a.url
        if key in seen:
            return
        seen.add(key)
        out.append({"name": name, "url": a.url, "level": level, "class": tax.column_class(name), "parent": parent})

    for it in nav.items:
        add(it.anchor, it.name, 1, None)
    for it in nav.items:
        for kid in it.children:
            add(kid, kid.cname, 2, it.name)
    for a in nav.side:
        add(a, a.cname, 2, nav.side_parent)
    return out
