"""``scrapy crawl portals``: one generic spider for every registered portal, driven by the registry.

Homepage -> navigation columns and sub-columns -> column list pages (pagination to a bound) -> a
sample of articles; the links and attachments of the homepage and column pages checked with HEAD
(govcrawl.links); with ``GOVCRAWL_RENDER=auto`` script-built homepages and registry ``render: true``
sites rendered with Chromium (govcrawl.render); homepage and column pages kept (govcrawl.evidence).
Parsing is govcrawl.extract's job (one tree per page); this module only decides what to fetch next
and yields one PageItem per URL.  The
per-site snapshot is built from the run's stored pages when the run closes (govcrawl.finalize).
"""
from __future__ import annotations

import logging
import re
import secrets
import time
from datetime import date, datetime, timezone
from typing import Any, Iterable

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.exceptions import StopDownload
from scrapy.http import HtmlResponse, Request, Response

from govcrawl import failures
from govcrawl import links as linkcheck
from govcrawl import render
from govcrawl.extract import extract_page
from govcrawl.items import PageItem
from govcrawl.registry import Site, active_sites, read_file
from govcrawl.resolver import load_host_map, lookup
from govcrawl.clock import eval_date_from
from govcrawl.distributed import Coordinator
from govcrawl.distributed import configure as configure_distributed
from govcrawl.urls import column_key, host, same_site, site_base

logger = logging.getLogger(__name__)

#: Facts not worth storing per page (big, and derivable from the evidence kept by later issues).
DROPPED_FACTS = ("links",)
HTTP_NOT_FOUND = (403, 404, 410)
_TAG_RE = re.compile(r"<[^>]+>|\s+|&nbsp;")


class _NoTraceback(logging.Filter):
    """Scrapy's robots.txt middleware logs a full traceback for every unreachable site; one line is enough
    (the site's snapshot records the failure)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_NoTraceback())


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


class PortalsSpider(scrapy.Spider):
    name = "portals"
    custom_settings: dict[str, Any] = {}

    def __init__(self, only: str = "", sites: str = "", run: str = "", robots: str = "",
                 now: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.only = [s.strip() for s in only.split(",") if s.strip()]
        self.sites_file = sites
        self.run_arg = run
        self.now_arg = now
        if robots and robots.lower() not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"-a robots={robots!r}: use on or off")
        self.robots_off = robots.lower() in ("off", "false", "0", "no")
        self.sites: dict[str, Site] = {}
        self.allowed_domains: list[str] = []
        self.coordinator: Coordinator | None = None
        self._last_beat = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "PortalsSpider":
        robots = str(kwargs.get("robots", "")).lower()
        if robots in ("off", "false", "0", "no"):
            # Settings are not frozen yet when the spider is created.
            crawler.settings.set("ROBOTSTXT_OBEY", False, priority="cmdline")
        # Several workers sharing one crawl through Redis (GOVCRAWL_REDIS_URL): see govcrawl.distributed.
        distributed = configure_distributed(crawler.settings, str(kwargs.get("run", "")))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler.settings)
        if distributed:
            spider.coordinator = Coordinator(crawler.settings.get("GOVCRAWL_REDIS_URL"), spider.run_arg,
                                             crawler.settings.getfloat("GOVCRAWL_REDIS_IDLE_SECONDS", 6.0))
            crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ setup

    def _setup(self, settings: Any) -> None:
        from govcrawl import store

        self.max_pages = settings.getint("GOVCRAWL_MAX_PAGES_PER_SITE")
        self.max_list_pages = settings.getint("GOVCRAWL_MAX_LIST_PAGES")
        self.articles_per_column = settings.getint("GOVCRAWL_ARTICLES_PER_COLUMN")
        self.max_columns = settings.getint("GOVCRAWL_MAX_COLUMNS")
        self.max_link_checks = settings.getint("GOVCRAWL_MAX_LINK_CHECKS")
        self.link_checks_per_site = settings.getint("GOVCRAWL_LINK_CHECKS_PER_SITE")
        self.keep_evidence = settings.getbool("GOVCRAWL_EVIDENCE")
        self.render_mode = render.mode(settings)
        if self.render_mode == "auto":
            # Settings are not frozen yet: scrapy-playwright's handler for this crawl only.
            render.apply_settings(settings)
        self.host_map = load_host_map(settings.get("GOVCRAWL_HOST_MAP")) if settings.get("GOVCRAWL_HOST_MAP") else {}
        # A HEAD refused by the server is retried with GET; only the headers of that GET are read.
        self.crawler.signals.connect(self._headers_received, signal=signals.headers_received)
        self.eval_date: date = eval_date_from(self.now_arg or settings.get("GOVCRAWL_EVAL_DATE"))
        self.db = store.get_db()
        if self.sites_file:
            sites = read_file(self.sites_file)
            if self.only:
                sites = [s for s in sites if s.id in set(self.only)]
        else:
            sites = active_sites(self.db, self.only)
        if not sites:
            raise ValueError("no sites to crawl: load a registry with `python -m govcrawl sites load FILE`")
        self.sites = {s.id: s for s in sites}
        self.allowed_domains = sorted({site_base(s.host) for s in sites})

    # ------------------------------------------------------------------ run bookkeeping

    @property
    def run_id(self) -> str:
        state = getattr(self, "state", None)
        if state is not None:
            if "run_id" not in state:
                state["run_id"] = self.run_arg or new_run_id()
            return state["run_id"]
        if not getattr(self, "_run_id", None):
            self._run_id = self.run_arg or new_run_id()
        return self._run_id

    def _budget(self) -> dict[str, int]:
        state = getattr(self, "state", None)
        if state is None:
            if not hasattr(self, "_budget_counts"):
                self._budget_counts: dict[str, int] = {}
            return self._budget_counts
        return state.setdefault("budget", {})

    def _take(self, site_id: str) -> bool:
        if self.coordinator is not None:
            return self.coordinator.take(site_id, self.max_pages)
        budget = self._budget()
        used = budget.get(site_id, 0)
        if used >= self.max_pages:
            return False
        budget[site_id] = used + 1
        return True

    def _seen_columns(self, site_id: str) -> set[str]:
        if not hasattr(self, "_columns_seen"):
            self._columns_seen: dict[str, set[str]] = {}
        return self._columns_seen.setdefault(site_id, set())

    def _check_host_map(self) -> None:
        """With a host map configured, refuse to crawl unless its resolver is really installed (a
        CrawlerRunner leaves that to its caller): otherwise the sandbox names would go to real DNS."""
        from twisted.internet import reactor

        from govcrawl.resolver import HostMapResolver

        if self.settings.get("GOVCRAWL_HOST_MAP") and not isinstance(reactor.nameResolver, HostMapResolver):
            raise RuntimeError("GOVCRAWL_HOST_MAP is set but the reactor's resolver is not "
                               "govcrawl.resolver.HostMapResolver: install it before crawling")

    async def start(self):  # type: ignore[override]
        from govcrawl.finalize import open_run

        self._check_host_map()
        open_run(self.db, self.run_id, spider=self.name, eval_date=self.eval_date,
                 site_ids=sorted(self.sites), settings={
                     "max_pages_per_site": self.max_pages, "max_list_pages": self.max_list_pages,
                     "articles_per_column": self.articles_per_column,
                     "robots": not self.robots_off,
                     "distributed": self.coordinator is not None,
                 })
        logger.info("run %s: %d sites, evaluation date %s", self.run_id, len(self.sites), self.eval_date)
        for site in self.sites.values():
            self._take(site.id)
            meta = {"site_id": site.id, "role": "home", "handle_httpstatus_all": True}
            if self.render_mode == "auto" and site.render:
                meta.update(render.render_meta(self.settings, render.REASON_REGISTRY, screenshot=self.keep_evidence))
            yield Request(site.url, callback=self.parse_home, errback=self.on_error, priority=100, meta=meta)

    # ------------------------------------------------------------------ callbacks

    def _beat(self) -> None:
        """Tell the other workers of a shared crawl that this one is busy (at most once a second)."""
        now = time.monotonic()
        if self.coordinator is not None and now - self._last_beat > 1.0:
            self._last_beat = now
            self.coordinator.beat()

    def _idle(self, spider: Any) -> None:
        """A worker of a shared crawl waits while the shared queue has requests or another worker is busy."""
        if self.coordinator.queue_length(self.name) or self.coordinator.others_busy():
            raise DontCloseSpider

    def _item(self, response: Response, role: str, **extra: Any) -> PageItem:
        self._beat()
        meta = response.meta
        if meta.get("playwright"):
            extra["render"] = {"rendered": True, "reason": meta.get("render_reason")}
        elif meta.get("render"):
            extra["render"] = meta["render"]
        if self.keep_evidence and role in ("home", "column"):
            extra["evidence"] = {"body": response.body, "encoding": getattr(response, "encoding", None),
                                 "content_type": response.headers.get(b"Content-Type", b"").decode("latin-1"),
                                 "png": meta.get("render_png"), "rendered": bool(meta.get("playwright"))}
        return PageItem(
            run_id=self.run_id, site_id=meta["site_id"],
            url=meta.get("page_url") or meta.get("redirect_urls", [response.url])[0],
            final_url=response.url, role=role, status=response.status,
            fetched_at=datetime.now(timezone.utc), seconds=meta.get("download_latency"),
            size=len(response.body), **extra,
        )

    def _facts(self, response: Response) -> dict[str, Any]:
        charset = None
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        m = re.search(r"charset=([\w-]+)", ctype, re.I)
        if m:
            charset = m.group(1)
        if response.meta.get("playwright"):
            charset = getattr(response, "encoding", None) or charset  # Chromium's DOM, re-encoded
        try:
            return extract_page(response.body, response.url, now=self.eval_date, http_encoding=charset)
        except Exception as exc:  # noqa: BLE001 - one odd page never stops a crawl
            logger.warning("cannot extract %s (site %s): %s: %s", response.url, response.meta.get("site_id"),
                           type(exc).__name__, exc)
            self.crawler.stats.inc_value("govcrawl/extract_errors")
            return {"extract_error": f"{type(exc).__name__}: {exc}"[:300]}

    @staticmethod
    def _stored(facts: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in facts.items() if k not in DROPPED_FACTS}
        kept["link_count"] = len(facts.get("links") or ())
        return kept

    def parse_home(self, response: Response) -> Iterable[Any]:
        site = self.sites[response.meta["site_id"]]
        if response.meta.get("playwright") and response.status >= 400:
            yield from self._render_fallback(response.request, f"HTTP {response.status} when rendered")
            return
        if response.status >= 400:
            yield self._item(response, "home", error={"kind": failures.HTTP_STATUS, "detail": f"HTTP {response.status}"})
            return
        if not isinstance(response, scrapy.http.TextResponse) or len(_TAG_RE.sub("", response.text)) < failures.EMPTY_PAGE_CHARS:
            yield self._item(response, "home", error={"kind": failures.EMPTY_PAGE, "detail": f"{len(response.body)} bytes"})
            return
        facts = self._facts(response)
        # Decode as the extractor did: a page's declared charset may be wrong.
        text = _TAG_RE.sub("", response.body.decode(facts.get("encoding") or "utf-8", errors="replace"))
        facts["legal_name_shown"] = site.name in text
        if response.meta.get("render_nav_script_built"):
            facts["nav_script_built"] = True  # the plain page's verdict: rendering ran the script
        again = self._render_request(response, "home", site, facts)
        if again is not None:
            yield again
            return
        out = list(self._home_requests(response, site, facts))
        yield self._item(response, "home", facts=self._stored(facts))
        yield from out

    def _home_requests(self, response: Response, site: Site, facts: dict[str, Any]) -> Iterable[Request]:
        scheduled: set[str] = {column_key(response.url), column_key(site.url)}
        columns = [c for c in facts.get("columns") or () if same_site(c["url"], site.host)]
        for col in columns[: self.max_columns]:
            req = self._column_request(site, col["url"], col["name"], col.get("level") or 1, col.get("parent"), "nav")
            if req is not None:
                scheduled.add(column_key(col["url"]))
                yield req
        # Blocks' 更多 links and disclosure / feature entries lead to list pages too.
        extra = list(facts.get("more_links") or ()) + [
            {"text": d.get("label") or d["name"], "url": d["url"]}
            for d in list(facts.get("disclosure") or ()) + list(facts.get("features") or ()) if d.get("url")
        ]
        for link in extra:
            if same_site(link["url"], site.host):
                req = self._column_request(site, link["url"], link.get("text") or "", 0, None, "link")
                if req is not None:
                    scheduled.add(column_key(link["url"]))
                    yield req
        # Homepage items: a sample of articles for their publication dates.
        for item in (facts.get("items") or ())[: self.articles_per_column * 3]:
            if item.get("url") and same_site(item["url"], site.host) and column_key(item["url"]) not in scheduled:
                req = self._article_request(site, item["url"], None)
                if req is not None:
                    scheduled.add(column_key(item["url"]))
                    yield req
        # Every other homepage link and attachment is checked for breakage with a HEAD request.
        self._seen_links(site.id).update(scheduled)
        yield from self._link_checks(site, facts, response.url, "home", self.max_link_checks)

    def _column_request(self, site: Site, url: str, name: str, level: int, parent: str | None,
                        source: str, page: int = 1, column_url: str | None = None) -> Request | None:
        key = column_key(url)
        if page == 1:
            seen = self._seen_columns(site.id)
            if key in seen:
                return None
            seen.add(key)
        if not self._take(site.id):
            return None
        column = {"name": name, "url": column_url or url, "level": level, "parent": parent,
                  "source": source, "page": page}
        self._seen_links(site.id).add(key)
        meta = {"site_id": site.id, "role": "column", "column": column, "handle_httpstatus_all": True}
        if self.render_mode == "auto" and site.render:
            meta.update(render.render_meta(self.settings, render.REASON_REGISTRY))
        return Request(url, callback=self.parse_column, errback=self.on_error, priority=50 - page, meta=meta)

    def _article_request(self, site: Site, url: str, column: dict[str, Any] | None) -> Request | None:
        if not self._take(site.id):
            return None
        self._seen_links(site.id).add(column_key(url))
        return Request(url, callback=self.parse_article, errback=self.on_error, priority=0,
                       meta={"site_id": site.id, "role": "article", "column": column, "handle_httpstatus_all": True})

    def parse_column(self, response: Response) -> Iterable[Any]:
        site = self.sites[response.meta["site_id"]]
        column = dict(response.meta["column"])
        if response.meta.get("playwright") and response.status >= 400:
            yield from self._render_fallback(response.request, f"HTTP {response.status} when rendered")
            return
        if response.status >= 400 or not isinstance(response, scrapy.http.TextResponse):
            yield self._item(response, "column", column=column,
                             error={"kind": failures.HTTP_STATUS if response.status >= 400 else failures.ERROR,
                                    "detail": f"HTTP {response.status}"})
            return
        facts = self._facts(response)
        again = self._render_request(response, "column", site, facts)
        if again is not None:
            yield again
            return
        out = list(self._column_requests(response, site, column, facts))
        out += self._board_requests(site, facts, column.get("page") or 1, own=False)  # published letters
        # Then the column page's other links and attachments (checked once per URL per run).
        pagination = facts.get("pagination") or {}
        # The column's own list pages are fetched (up to GOVCRAWL_MAX_LIST_PAGES) or known from 共N页.
        self._seen_links(site.id).update(column_key(u) for u in (pagination.get("next"), pagination.get("last")) if u)
        out += self._link_checks(site, facts, response.url, "column", None)
        yield self._item(response, "column", column=column, facts=self._stored(facts))
        yield from out

    def _column_requests(self, response: Response, site: Site, column: dict[str, Any],
                         facts: dict[str, Any]) -> Iterable[Request]:
        page = column["page"]
        nxt = (facts.get("pagination") or {}).get("next")
        if nxt and page < self.max_list_pages and same_site(nxt, site.host):
            req = self._column_request(site, nxt, column["name"], column["level"], column["parent"],
                                       column["source"], page=page + 1, column_url=column["url"])
            if req is not None:
                yield req
        if page != 1:
            return
        # Sub-column menus on a top-level column page.
        if column["level"] in (0, 1):
            for sub in facts.get("columns") or ():
                if sub.get("level") == 2 and same_site(sub["url"], site.host):
                    req = self._column_request(site, sub["url"], sub["name"], 2, sub.get("parent") or column["name"], "submenu")
                    if req is not None:
                        yield req
        taken = 0
        for item in facts.get("items") or ():
            if taken >= self.articles_per_column:
                break
            if item.get("url") and same_site(item["url"], site.host):
                taken += 1
                req = self._article_request(site, item["url"], {"name": column["name"], "url": column["url"]})
                if req is not None:
                    yield req

    def parse_article(self, response: Response) -> Iterable[Any]:
        if response.status >= 400 or not isinstance(response, scrapy.http.TextResponse):
            yield self._item(response, "article", column=response.meta.get("column"),
                             error={"kind": failures.HTTP_STATUS, "detail": f"HTTP {response.status}"})
            return
        facts = self._facts(response)
        yield self._item(response, "article", column=response.meta.get("column"), facts=self._stored(facts))

    def parse_link(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        if response.request.method == "HEAD" and response.status in linkcheck.HEAD_REFUSED:
            # The server refuses HEAD: ask again with GET (its body is never downloaded).
            again = {k: v for k, v in meta.items() if not k.startswith("download_") and k not in ("depth", "retry_times")}
            again.update(link_get=True, page_url=meta.get("page_url") or response.request.url)
            yield response.request.replace(method="GET", dont_filter=True, meta=again)
            return
        error = None
        if response.status >= 400:
            error = {"kind": failures.HTTP_STATUS, "detail": f"HTTP {response.status}"}
        link = dict(meta.get("link") or {})
        link.update(method=response.request.method,
                    content_type=response.headers.get(b"Content-Type", b"").decode("latin-1") or None)
        yield self._item(response, "link", error=error, link=link)

    # ------------------------------------------------------------------ link checks

    def _seen_links(self, site_id: str) -> set[str]:
        """URLs of a site already fetched or checked in this run (column keys); kept in the job state, so
        a resumed run (JOBDIR) does not check them again."""
        state = getattr(self, "state", None)
        seen = state.setdefault("links_seen", {}) if state is not None else self.__dict__.setdefault("_links_seen", {})
        return seen.setdefault(site_id, set())

    def _link_budget(self) -> dict[str, int]:
        state = getattr(self, "state", None)
        return state.setdefault("link_budget", {}) if state is not None else self.__dict__.setdefault("_link_counts", {})

    def _take_link(self, site_id: str) -> bool:
        """Count one link check against the site's budget (shared by the workers of a distributed crawl)."""
        if self.coordinator is not None:
            return self.coordinator.take("links:" + site_id, self.link_checks_per_site)
        budget = self._link_budget()
        if budget.get(site_id, 0) >= self.link_checks_per_site:
            return False
        budget[site_id] = budget.get(site_id, 0) + 1
        return True

    def _may_check_offsite(self, url: str) -> bool:
        """Off-site links are checked unless a host map is set and does not map their host (the sandbox:
        nothing leaves the machine); unmapped ones are counted as unchecked."""
        if not self.host_map:
            return True
        return lookup(self.host_map, host(url), 443 if url.startswith("https:") else 80) is not None

    def _link_checks(self, site: Site, facts: dict[str, Any], found_on: str, source: str,
                     limit: int | None) -> list[Request]:
        """HEAD requests for a page's links not fetched or checked yet, within the site's link budget;
        the counts of links left unchecked go into the page's facts (``link_check``)."""
        seen = self._seen_links(site.id)
        out: list[Request] = []
        offsite = over = 0
        for link in linkcheck.check_order(facts.get("links") or ()):
            url = link["url"]
            key = column_key(url)
            if not url.startswith(("http://", "https://")) or key in seen:
                continue
            internal = same_site(url, site.host)
            if not internal and not self._may_check_offsite(url):
                seen.add(key)
                offsite += 1
                continue
            if self.coordinator is not None and not self.coordinator.claim("links-seen:" + site.id, key):
                seen.add(key)  # another worker of this run checks it (and counts it against the budget)
                continue
            if (limit is not None and len(out) >= limit) or not self._take_link(site.id):
                seen.add(key)
                over += 1
                continue
            seen.add(key)
            out.append(Request(url, method="HEAD", callback=self.parse_link, errback=self.on_error, priority=-10,
                               meta={"site_id": site.id, "role": "link", "handle_httpstatus_all": True,
                                     "dont_redirect": False, "allow_offsite": not internal, "dont_retry": True,
                                     "link": {"from": source, "found_on": found_on, "internal": internal}}))
        facts["link_check"] = {"queued": len(out), "offsite_unchecked": offsite, "over_budget": over}
        return out

    def _headers_received(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        if request.meta.get("link_get"):
            raise StopDownload(fail=False)

    # ------------------------------------------------------------------ rendering

    def _render_request(self, response: Response, role: str, site: Site, facts: dict[str, Any]) -> Request | None:
        """The same page again through Chromium when it needs rendering (govcrawl.render.needs_render);
        the plain response rides along as the fallback."""
        meta = response.meta
        if self.render_mode != "auto" or meta.get("playwright") or meta.get("render"):
            return None
        reason = render.needs_render(role, site.render, facts)
        if reason is None:
            return None
        keep = {k: meta[k] for k in ("site_id", "role", "column", "handle_httpstatus_all") if k in meta}
        keep.update(render.render_meta(self.settings, reason, screenshot=self.keep_evidence and role == "home"))
        keep["page_url"] = meta.get("page_url") or meta.get("redirect_urls", [response.url])[0]
        keep["render_nav_script_built"] = bool(facts.get("nav_script_built"))
        keep["render_fallback"] = {"url": response.url, "status": response.status, "body": response.body,
                                   "headers": [(k, v) for k, vs in response.headers.items() for v in vs],
                                   "latency": meta.get("download_latency")}
        return Request(response.url, callback=response.request.callback, errback=self.on_error,
                       priority=response.request.priority, dont_filter=True, meta=keep)

    def _render_fallback(self, request: Request, reason: str) -> Iterable[Any]:
        """A rendering failed: use the plain response fetched before, or fetch the page plainly."""
        self.crawler.stats.inc_value("govcrawl/render_failed")
        logger.info("rendering %s failed (%s): using the plain page", request.url, reason)
        meta = {k: v for k, v in request.meta.items() if not k.startswith(("playwright", "render_", "download_"))}
        meta["render"] = {"rendered": False, "reason": reason, "wanted": request.meta.get("render_reason")}
        if request.meta.get("render_nav_script_built"):
            meta["render_nav_script_built"] = True
        plain = request.meta.get("render_fallback")
        callback = request.callback
        if isinstance(callback, str):
            callback = getattr(self, callback)
        if plain is None:
            yield Request(meta.get("page_url") or request.url, callback=callback, errback=self.on_error,
                          priority=request.priority, dont_filter=True, meta=meta)
            return
        meta["download_latency"] = plain.get("latency")
        req = Request(plain["url"], meta=meta, dont_filter=True)
        response = HtmlResponse(plain["url"], status=plain["status"], headers=plain["headers"], body=plain["body"],
                                request=req)
        yield from callback(response)

    def on_error(self, failure: Any) -> Iterable[Any]:
        request = failure.request
        self._beat()
        if request.meta.get("playwright"):
            yield from self._render_fallback(request, render.failure_reason(failure))
            return
        kind, detail = failures.classify_failure(failure)
        meta = request.meta
        yield PageItem(run_id=self.run_id, site_id=meta["site_id"], url=request.url, role=meta.get("role", "page"),
                       fetched_at=datetime.now(timezone.utc), column=meta.get("column"),
                       error={"kind": kind, "detail": detail})


    # ------------------------------------------------------------------ published letters (issue 3, item 4)
    # A page listing a mailbox / message board's letters (facts["board_messages"]) has its list followed to
    # GOVCRAWL_MAX_BOARD_PAGES pages (the pages past GOVCRAWL_MAX_LIST_PAGES as role "board", so that column
    # statistics keep their bound), and detail pages fetched for letters whose entry lacks the reply (at
    # most GOVCRAWL_MAX_BOARD_DETAILS per site, in list order).  信件选登 / 我要写信 links lead to the list
    # and the posting form.  govcrawl.boards turns the run's letters into the snapshot's `board`.

    def _board_counts(self, site_id: str) -> dict[str, Any]:
        state = getattr(self, "state", None)
        boards = state.setdefault("boards", {}) if state is not None else self.__dict__.setdefault("_boards", {})
        return boards.setdefault(site_id, {"details": 0, "links": []})

    def _board_take_detail(self, site_id: str, counts: dict[str, Any], limit: int) -> bool:
        coordinator = getattr(self, "coordinator", None)
        if coordinator is not None:  # workers of a shared crawl count against one bound
            return bool(coordinator.take(f"{site_id}:board-details", limit))
        if counts["details"] >= limit:
            return False
        counts["details"] += 1
        return True

    def _board_request(self, site: Site, url: str, kind: str, page: int, list_url: str) -> Request:
        seen = getattr(self, "_seen_links", None)
        if seen is not None:  # fetched for its content: the link check need not ask again
            seen(site.id).add(column_key(url))
        board = {"kind": kind, "page": page, "list": list_url}
        return Request(url, callback=self.parse_board, errback=self.on_error, priority=45 if kind == "list" else 5,
                       meta={"site_id": site.id, "role": "board", "board": board, "handle_httpstatus_all": True})

    def _board_requests(self, site: Site, facts: dict[str, Any], page: int, *, own: bool,
                        list_url: str | None = None) -> list[Request]:
        from govcrawl.extract.html import compact
        from govcrawl.extract.taxonomy import load_taxonomy

        labels = load_taxonomy().board_labels
        counts = self._board_counts(site.id)
        out: list[Request] = []
        for link in facts.get("links") or ():
            text, url = compact(link.get("text")), link.get("url")
            kind = "list" if text in labels["list_links"] else "form" if text in labels["write_links"] else None
            if kind and url and same_site(url, site.host) and url not in counts["links"] and len(counts["links"]) < 6:
                counts["links"].append(url)
                out.append(self._board_request(site, url, kind, 1, url))
        letters = [m for m in facts.get("board_messages") or () if not m.get("detail")]
        if not letters:
            return out
        list_url = list_url or facts.get("url") or ""
        nxt = (facts.get("pagination") or {}).get("next")
        max_pages = self.settings.getint("GOVCRAWL_MAX_BOARD_PAGES")
        if nxt and same_site(nxt, site.host) and page < max_pages and (own or page >= self.max_list_pages):
            out.append(self._board_request(site, nxt, "list", page + 1, list_url))
        max_details = self.settings.getint("GOVCRAWL_MAX_BOARD_DETAILS")
        for m in letters:
            url = m.get("url")
            if m.get("answered") or m.get("status") == "unanswered" or not url or not same_site(url, site.host):
                continue
            if not self._board_take_detail(site.id, counts, max_details):
                break
            out.append(self._board_request(site, url, "detail", 0, list_url))
        return out

    def parse_board(self, response: Response) -> Iterable[Any]:
        board = response.meta["board"]
        column = {"name": "board", "url": board["list"], "page": board["page"], "board": board["kind"]}
        if response.status >= 400 or not isinstance(response, scrapy.http.TextResponse):
            yield self._item(response, "board", column=column,
                             error={"kind": failures.HTTP_STATUS if response.status >= 400 else failures.ERROR,
                                    "detail": f"HTTP {response.status}"})
            return
        facts = self._facts(response)
        site = self.sites[response.meta["site_id"]]
        out = self._board_requests(site, facts, board["page"] or 1, own=True, list_url=board["list"]) \
            if board["kind"] != "detail" else []
        yield self._item(response, "board", column=column, facts=self._stored(facts))
        yield from out
