"""A one-line progress display on stderr (sites done, pages, errors), on when GOVCRAWL_PROGRESS is set."""
from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured


class Progress:
    def __init__(self, crawler: Any, interval: float | None = None) -> None:
        self.crawler = crawler
        self.tty = sys.stderr.isatty()
        # On a terminal the line is redrawn in place; in a log file a line every 5 s is enough.
        self.interval = interval if interval is not None else (0.5 if self.tty else 5.0)
        self.pages = 0
        self.errors = 0
        self.sites: set[str] = set()
        self.unreachable: set[str] = set()
        self.last = 0.0
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "Progress":
        if not crawler.settings.getbool("GOVCRAWL_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any, **_: Any) -> None:
        self.pages += 1
        if getattr(item, "error", None):
            self.errors += 1
        if getattr(item, "role", None) == "home":
            self.sites.add(item.site_id)
            if item.error:
                self.unreachable.add(item.site_id)
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._show()

    def _show(self, end: str | None = None) -> None:
        end = end or ("\r" if self.tty else "\n")
        total = len(getattr(self.crawler.spider, "sites", ()) or ())
        elapsed = time.monotonic() - self.started
        sys.stderr.write(
            f"  crawl: homepages {len(self.sites)}/{total} ({len(self.unreachable)} unreachable), "
            f"pages {self.pages}, errors {self.errors}, {self.pages / max(elapsed, 1e-6):.0f} pages/s   {end}"
        )
        sys.stderr.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        self._show(end="\n")
