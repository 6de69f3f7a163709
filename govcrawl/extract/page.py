"""``extract_page``: every fact of one page from one parse (pure: no I/O, no clock)."""

from __future__ import annotations

import logging
import re
from datetime import date
from urllib.parse import urlsplit

from .columns import Navigation, clean_name, columns_of, find_navigation
from .contacts import emails
from .dates import explicit_date, page_dates, published_date
from .html import Doc, parse_page, resolve_url
from .identity import identity, site_name
from .listing import blank_marker, find_items, more_links, page_type, pagination
from .messages import board_form, board_messages
from .taxonomy import Taxonomy, load_taxonomy

__all__ = ["extract_page"]

logger = logging.getLogger(__name__)

_HOME_URL_RE = re.compile(r"/?(?:(?:index|default|main|home|portal)\.(?:s?html?|jsp|php|aspx?|do))?", re.IGNORECASE)
_SEARCH_FORM_RE = re.compile(r"search|was5|was40|sousuo|jsearch|query|retrieval|检索|搜索", re.IGNORECASE)
_SEARCH_INPUT_NAMES = frozenset({"searchword", "keyword", "keywords", "q", "query", "wd", "kw", "searchkey", "key"})


_Found = list[dict[str, object]]


def _canonical_links(doc: Doc, tax: Taxonomy, skip: set[int]) -> tuple[_Found, _Found]:
    disclosure: dict[str, dict[str, object]] = {}
    features: dict[str, dict[str, object]] = {}
    for a in doc.anchors:
        if a.index in skip:
            continue
        texts = [a.name]
        title = clean_name(a.el.get("title") or "")
        if title and title != a.name:
            texts.append(title)
        for t in texts:
            if not t:
                continue
            d = tax.disclosure.match(t)
            if d and d not in disclosure:
                disclosure[d] = {"name": d, "url": a.url, "label": a.text or t}
            f = tax.features.match(t)
            if f and f not in features:
                features[f] = {"name": f, "url": a.url, "label": a.text or t}
    if "站内搜索" not in features:
        for form in doc.forms:
            el = form["el"]
            action = str(form["action"] or "")
            names = {(i.get("name") or "").lower() for i in el.iter("input")}
            if _SEARCH_FORM_RE.search(action) or names & _SEARCH_INPUT_NAMES:
                features["站内搜索"] = {"name": "站内搜索", "url": resolve_url(doc.base_url, action), "label": "form"}
                break
    dis = [disclosure[n] for n in tax.disclosure.order if n in disclosure]
    fea = [features[n] for n in tax.features.order if n in features]
    return dis, fea


def _links(doc: Doc) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for a in doc.anchors:
        if a.url and a.url not in seen:
            seen.add(a.url)
            out.append({"text": a.text, "url": a.url})
    return out


def _lists_subcolumns(url: str, nav: Navigation) -> bool:
    """True when the page's side menu lists its sub-columns (a level-1 column page) rather than its
    siblings (a leaf column, which appears in its own menu)."""
    here = url.split("#")[0]
    others = [a for a in nav.side if a.url and a.url != here]
    if not others:
        return False
    if len(others) == len(nav.side):
        return True  # the page itself is not in the menu: the menu lists its children
    if len(nav.crumbs) == 2:
        return True  # 首页 > this column: a level-1 page whose menu starts with its own title
    base = here.rsplit("/", 1)[0] + "/"
    return all(a.url.startswith(base) and a.url != here for a in others)


def extract_page(body: bytes | str, url: str, *, now: date | None = None,
                 http_encoding: str | None = None) -> dict[str, object]:
    """Parse ``body`` (fetched from ``url``) once and return its facts as a JSON-serialisable dict.

    ``now`` is the evaluation date (Asia/Shanghai calendar date); it gives year-less list dates their
    year and bounds ``latest_item_date``.  ``http_encoding`` is the charset of the HTTP Content-Type.
    """
    tax = load_taxonomy()
    doc = parse_page(body, url, http_encoding)
    path = urlsplit(url).path or "/"
    is_home = bool(_HOME_URL_RE.fullmatch(path)) and not urlsplit(url).query
    nav = find_navigation(doc, tax, is_home=is_home)
    items, item_traps = find_items(doc, tax, nav, now)
    pages = pagination(doc, tax)
    marker = blank_marker(doc, tax)
    ptype = page_type(doc, tax, items, pages, marker, has_label_date=bool(explicit_date(doc, tax)))
    if ptype in ("article", "other"):
        published, published_method = published_date(doc, tax, page_type=ptype, now=now)
    else:
        published, published_method = None, None

    dated = [it.date for it in items if it.date is not None]
    current = [d for d in dated if now is None or d <= now]
    future = sorted({d.isoformat() for d in dated if now is not None and d > now})
    latest = max(current).isoformat() if current else None
    more = more_links(doc, tax)
    dated_count = len(dated)
    # A column page that only lists its sub-columns (a side menu of children, the page itself not among
    # them) is not blank; a page that says 暂无信息 is.
    lists_subcolumns = _lists_subcolumns(doc.url, nav)
    blank = ptype == "list" and (
        (marker is not None and dated_count < 5)
        or (not items and not more and not pages.get("next") and not lists_subcolumns)
    )

    item_anchor_idx = {it.anchor.index for it in items}
    disclosure, features = _canonical_links(doc, tax, item_anchor_idx)
    mails, mail_forms = emails(doc)
    name, name_source = site_name(doc, tax)
    _, page_traps = page_dates(doc, tax)
    traps = [{"text": t["text"], "kind": t["kind"]} for t in page_traps]
    for t in item_traps:
        if not any(t["kind"] == x["kind"] and t["text"][:20] in x["text"] for x in traps):
            traps.append(t)

    return {
        "url": url,
        "title": doc.title,
        "site_name": name,
        "site_name_source": name_source,
        "nav_columns": [it.name for it in nav.items],
        "columns": columns_of(nav, doc, tax),
        "items": [it.as_dict() for it in items],
        "latest_item_date": latest,
        "future_item_dates": future,
        "published_date": published,
        "published_date_method": published_method,
        "blank": bool(blank),
        "blank_marker": marker,
        "disclosure_categories": [d["name"] for d in disclosure],
        "interactive_features": [f["name"] for f in features],
        "disclosure": disclosure,
        "features": features,
        "emails": mails,
        "email_forms": mail_forms,
        "identity": identity(doc),
        "board_messages": board_messages(doc, tax),
        "board_form": board_form(doc, tax),
        "encoding": doc.encoding,
        "page_type": ptype,
        "pagination": pages,
        "links": _links(doc),
        "more_links": more,
        "breadcrumb": nav.crumbs,
        "nav_script_built": nav.script_built,
        "traps": traps,
    }
