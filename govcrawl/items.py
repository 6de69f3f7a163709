"""Items the spiders yield (itemadapter-compatible dataclasses)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class PageItem:
    """One fetched (or failed) URL of one site in one run; becomes a ``pages`` document.

    ``role`` is home, column (a column list page), article, or link (a homepage link checked with HEAD).
    ``column`` names the column a list page belongs to: {name, url, level, parent, page}.
    ``error`` is {kind, detail} for a request that got no usable response (dns, connect, tls,
    timeout, http_status, empty_page, error).  ``facts`` is what govcrawl.extract found on the page.
    ``role`` link also covers attachments and off-page links of column pages (``link.from``).
    """

    run_id: str
    site_id: str
    url: str
    role: str
    fetched_at: datetime
    final_url: str | None = None
    status: int | None = None
    seconds: float | None = None
    size: int | None = None
    column: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    #: Pages considered for rendering (govcrawl.render): {rendered: bool, reason, fallback?}.
    render: dict[str, Any] | None = None
    #: Link checks (role link): {from: home|column, found_on, method, content_type, attachment}.
    link: dict[str, Any] | None = None
    #: Not stored in ``pages``: the body (and homepage screenshot) kept by govcrawl.evidence.
    evidence: dict[str, Any] | None = None
