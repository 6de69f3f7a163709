"""Link check verdicts (pure): which links of a site are confirmed broken, which are only suspect, and
which attachments are served as an HTML page instead of the file.

Every link and attachment of the homepage and the column pages is checked once per URL per run by the
portals spider: a HEAD request (a GET, reading only the headers, when the server refuses HEAD), or
the page's own fetch when the crawl fetched it for its content (columns, articles).  The verdicts:

* broken (confirmed): HTTP 404 or 410, or the host name does not resolve;
* suspect (may pass on a later run): HTTP 5xx, timeouts, refused connections, TLS failures, and other
  4xx answers (401/403: access denied is not proof the page is gone);
* unchecked: blocked by robots.txt, off-site links whose host the host map does not list (the
  sandbox never lets a request leave the machine), and links beyond the per-site budget;
* html_attachment: a link to a document (.doc, .pdf, .xls, .zip, ...) answered 200 with text/html -
  usually a "file not found" page or a login wall served with status 200.
"""
from __future__ import annotations

import posixpath
from typing import Any, Iterable
from urllib.parse import urlsplit

from govcrawl import failures

#: File extensions of downloadable documents (attachments).
ATTACHMENT_EXTS = frozenset({
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".pdf", ".wps", ".et", ".dps", ".rtf", ".txt", ".csv",
    ".zip", ".rar", ".7z", ".gz", ".tar", ".odt", ".ods", ".ceb", ".caj", ".tif", ".tiff",
})
#: HEAD answers meaning "ask me with GET".
HEAD_REFUSED = (400, 405, 501)
BROKEN_STATUS = (404, 410)

OK, BROKEN, SUSPECT, UNCHECKED = "ok", "broken", "suspect", "unchecked"


def is_attachment(url: str) -> bool:
    """True for links to document files (by the path's extension).

    >>> is_attachment("http://x.gov.cn/uploads/2007/bszn.DOC"), is_attachment("http://x.gov.cn/a.html")
    (True, False)
    """
    path = urlsplit(url).path
    return posixpath.splitext(path)[1].lower() in ATTACHMENT_EXTS


def check_order(links: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Links in the order they are checked: attachments first (a budget cut never hides them), then page order."""
    links = list(links)
    return [lk for lk in links if is_attachment(lk["url"])] + [lk for lk in links if not is_attachment(lk["url"])]


def verdict(page: dict[str, Any]) -> str:
    """ok | broken | suspect | unchecked for one stored page or link check."""
    err = page.get("error") or {}
    kind = err.get("kind")
    status = page.get("status")
    if kind == failures.ROBOTS:
        return UNCHECKED
    if kind == failures.DNS or status in BROKEN_STATUS:
        return BROKEN
    if status is not None and status >= 400:
        return SUSPECT
    if kind and status is None:
        return SUSPECT
    return OK


def html_attachment(page: dict[str, Any]) -> bool:
    """An attachment link answered 200 with an HTML page instead of the file."""
    ctype = ((page.get("link") or {}).get("content_type") or "").lower()
    return bool(is_attachment(page["url"]) and page.get("status") == 200 and ctype.startswith(("text/html", "application/xhtml")))


def _entry(page: dict[str, Any]) -> dict[str, Any]:
    link = page.get("link") or {}
    err = page.get("error") or {}
    return {"url": page["url"], "status": page.get("status"), "kind": err.get("kind"),
            "role": page.get("role"), "from": link.get("from"), "found_on": link.get("found_on")}


def summarize(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """The snapshot's ``links`` section from a site's pages of one run (the homepage itself excluded)."""
    checked = 0
    broken: list[dict[str, Any]] = []
    suspect: list[dict[str, Any]] = []
    attachments: list[dict[str, Any]] = []
    unchecked = {"robots": 0, "offsite": 0, "over_budget": 0}
    seen: set[str] = set()
    for p in pages:
        lc = (p.get("facts") or {}).get("link_check") or {}
        unchecked["offsite"] += lc.get("offsite_unchecked", 0)
        unchecked["over_budget"] += lc.get("over_budget", 0)
        if p.get("role") not in ("link", "column", "article") or p["url"] in seen:
            continue
        seen.add(p["url"])
        v = verdict(p)
        if v == UNCHECKED:
            unchecked["robots"] += 1
            continue
        checked += 1
        if v == BROKEN:
            broken.append(_entry(p))
        elif v == SUSPECT:
            suspect.append(_entry(p))
        if html_attachment(p):
            attachments.append({**_entry(p), "content_type": (p.get("link") or {}).get("content_type")})
    for lst in (broken, suspect, attachments):
        lst.sort(key=lambda e: e["url"])
    return {"checked": checked, "broken": broken, "suspect": suspect, "html_attachments": attachments,
            "unchecked": sum(unchecked.values()), "unchecked_by_reason": unchecked}
