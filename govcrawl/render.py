"""Rendering with Chromium through scrapy-playwright: settings, the decision which pages need it, and the
downloader middleware that bounds the browser's memory.

``GOVCRAWL_RENDER=off`` (the default) leaves the crawl exactly as it is without a browser.  With
``GOVCRAWL_RENDER=auto`` the portals spider installs scrapy-playwright's download handler (plain
requests still go through Scrapy's own HTTP client) and renders only:

* every homepage and column page of a site marked ``render: true`` in the registry, and
* a homepage whose plain HTML says its navigation is built by script (``nav_script_built``): it is
  fetched again with Chromium and only the rendered page is kept.

A rendered page that fails (timeout, browser crash, error status) falls back to the plain response;
the page document says which one was used: ``render: {rendered: bool, reason}``.

Chromium never uses the system resolver when a host map is set: ``--host-resolver-rules`` maps every
mapped host *per port* (``MAP host:80 ip:P, MAP host:443 ip:Q``; Chromium matches a rule's pattern
against ``host`` and ``host:port``) and ends with ``MAP * ~NOTFOUND`` so nothing else (statistics
scripts, badges) leaves the machine.  Only then are certificate errors ignored (the sandbox's
certificate is self-signed).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from govcrawl.resolver import HostMap, load_host_map

logger = logging.getLogger(__name__)

MODES = ("auto", "off")
#: The Debian package chromium-headless-shell (about twice cheaper per page than /usr/bin/chromium).
DEFAULT_EXECUTABLE = "/usr/lib/chromium/chromium-headless-shell"
#: Flags that work as root in a container, without GPU, sandbox or background traffic.
CHROMIUM_ARGS = (
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--no-first-run", "--no-default-browser-check", "--disable-quic", "--mute-audio",
    "--renderer-process-limit=2", "--disable-features=IsolateOrigins,site-per-process",
)
#: Resource types never loaded while rendering (the DOM is what we want).
ABORTED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})
CONTEXT_NAME = "govcrawl"
SLOT = "chromium"

# Why a page was (not) rendered.
REASON_REGISTRY = "registry"
REASON_SCRIPT_NAV = "nav_script_built"


def mode(settings: Any) -> str:
    value = str(settings.get("GOVCRAWL_RENDER") or "off").strip().lower()
    if value in ("on", "1", "true", "yes"):
        value = "auto"
    if value in ("0", "false", "no", ""):
        value = "off"
    if value not in MODES:
        raise ValueError(f"GOVCRAWL_RENDER={value!r}: use auto or off")
    return value


def host_rules(host_map: HostMap) -> str:
    """``--host-resolver-rules`` for a host map: one rule per host and port, then everything else refused.

    >>> host_rules({"www.a.gov.cn": {80: ("127.0.0.1", 8080), 443: ("127.0.0.1", 8443)}})
    'MAP www.a.gov.cn:80 127.0.0.1:8080, MAP www.a.gov.cn:443 127.0.0.1:8443, MAP * ~NOTFOUND'
    """
    rules = []
    for host, entry in sorted(host_map.items()):
        for port in (80, 443):
            addr = entry.get(port) or entry.get(None)
            if addr:
                rules.append(f"MAP {host}:{port} {addr[0]}:{addr[1]}")
    rules.append("MAP * ~NOTFOUND")
    return ", ".join(rules)


def playwright_settings(settings: Any) -> dict[str, Any]:
    """The Scrapy settings that turn scrapy-playwright on for this crawl (rendering ``auto``)."""
    args = list(CHROMIUM_ARGS)
    spec = settings.get("GOVCRAWL_HOST_MAP") or ""
    if spec:
        args.append("--host-resolver-rules=" + host_rules(load_host_map(spec)))
    timeout_ms = settings.getfloat("GOVCRAWL_RENDER_TIMEOUT") * 1000
    handler = "govcrawl.render.SharedPlaywrightHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": settings.get("GOVCRAWL_CHROMIUM") or DEFAULT_EXECUTABLE,
            "args": args, "headless": True, "timeout": 30000,
        },
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": settings.getint("GOVCRAWL_RENDER_PAGES"),
        # All rendered requests share one download slot: GOVCRAWL_RENDER_PAGES pages at once in all.
        "DOWNLOAD_SLOTS": {**settings.getdict("DOWNLOAD_SLOTS"),
                           SLOT: {"concurrency": settings.getint("GOVCRAWL_RENDER_PAGES"), "delay": 0}},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_ABORT_REQUEST": "govcrawl.render.abort_request",
        "DOWNLOADER_MIDDLEWARES": {**settings.getdict("DOWNLOADER_MIDDLEWARES"), "govcrawl.render.RenderMiddleware": 950},
    }


#: Settings merged with the user's own value (kept even when given with -s on the command line).
MERGED = ("DOWNLOADER_MIDDLEWARES", "DOWNLOAD_SLOTS")


def apply_settings(settings: Any) -> None:
    """Turn rendering on for one crawl (settings not frozen yet): playwright_settings at spider priority;
    the merged dicts at least at the priority of the value they extend."""
    from scrapy.settings import SETTINGS_PRIORITIES

    for key, value in playwright_settings(settings).items():
        priority = SETTINGS_PRIORITIES["spider"]
        if key in MERGED:
            priority = max(priority, settings.getpriority(key) or 0)
        settings.set(key, value, priority=priority)


def context_kwargs(settings: Any) -> dict[str, Any]:
    """The browser context of rendered pages (created lazily, on the first page that needs it)."""
    return {
        "user_agent": settings.get("USER_AGENT"),
        "ignore_https_errors": bool(settings.get("GOVCRAWL_HOST_MAP")),
        "java_script_enabled": True,
        "locale": "zh-CN",
        "viewport": {"width": 1280, "height": 900},
    }


def abort_request(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: skip images, media, fonts and stylesheets."""
    return request.resource_type in ABORTED_RESOURCES


def render_meta(settings: Any, reason: str, *, screenshot: bool = False) -> dict[str, Any]:
    """Request meta for a page rendered with Chromium (picklable: JOBDIR and Redis queues store it)."""
    return {
        "playwright": True,
        "playwright_context": CONTEXT_NAME,
        "playwright_context_kwargs": context_kwargs(settings),
        "playwright_include_page": True,  # RenderMiddleware takes the screenshot and closes the page
        "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded",
                                        "timeout": settings.getfloat("GOVCRAWL_RENDER_TIMEOUT") * 1000},
        "render_reason": reason,
        "render_screenshot": screenshot,
        "dont_retry": True,  # a failed rendering falls back to the plain page instead
        "download_slot": SLOT,
        "download_timeout": settings.getfloat("GOVCRAWL_RENDER_TIMEOUT") + 5,
    }


def needs_render(role: str, site_render: bool, facts: dict[str, Any] | None) -> str | None:
    """Why a page should be rendered, or None.  Registry-marked sites: homepage and column pages; any
    site: a homepage whose navigation is built by script (its column pages carry static side menus)."""
    if site_render and role in ("home", "column"):
        return REASON_REGISTRY
    if role == "home" and facts and facts.get("nav_script_built"):
        return REASON_SCRIPT_NAV
    return None


def failure_reason(failure: Any) -> str:
    """A short reason for a failed rendering (kept in the page document)."""
    exc = getattr(failure, "value", failure)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200]


def _handler_class() -> type:
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class SharedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
        """scrapy-playwright's handler, one instance for both schemes: Scrapy builds a handler per scheme,
        and each instance would launch its own browser."""

        @classmethod
        def from_crawler(cls, crawler: Any) -> Any:
            handler = getattr(crawler, "_govcrawl_playwright_handler", None)
            if handler is None:
                handler = cls(crawler)
                crawler._govcrawl_playwright_handler = handler
            return handler

        async def close(self) -> None:
            if getattr(self, "_govcrawl_closed", False):
                return
            self._govcrawl_closed = True
            await super().close()

    return SharedPlaywrightHandler


def __getattr__(name: str) -> Any:
    # Imported lazily: scrapy-playwright (and Playwright) are only loaded when rendering is on.
    if name == "SharedPlaywrightHandler":
        cls = _handler_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


class RenderMiddleware:
    """Bounds the browser's memory and finishes each rendered page.

    Rendered requests are spread over browser contexts by generation (``govcrawl-0``, ``govcrawl-1``,
    ...): after ``GOVCRAWL_RENDER_CONTEXT_PAGES`` pages new requests go to a fresh context, and the old
    one is closed as soon as its last page is done - never while one of its pages may still be opening
    (closing a context under scrapy-playwright's feet leaks its page semaphore and stalls the crawl).
    Each page is closed here, after the homepage screenshot is taken.
    """

    def __init__(self, pages_per_context: int, screenshot_timeout: float, stats: Any, pages: int = 4) -> None:
        self.pages_per_context = max(1, pages_per_context)
        self.pages = max(1, pages)
        self._pages_free: asyncio.Semaphore | None = None
        self.screenshot_timeout = screenshot_timeout
        self.stats = stats
        self.generation = 0
        self.assigned = 0
        self.inflight: dict[str, int] = {}
        self.contexts: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RenderMiddleware":
        return cls(crawler.settings.getint("GOVCRAWL_RENDER_CONTEXT_PAGES"),
                   crawler.settings.getfloat("GOVCRAWL_RENDER_TIMEOUT") * 1000, crawler.stats,
                   crawler.settings.getint("GOVCRAWL_RENDER_PAGES"))

    @property
    def current(self) -> str:
        return f"{CONTEXT_NAME}-{self.generation}"

    async def process_request(self, request: Any) -> None:
        if not request.meta.get("playwright"):
            return None
        # GOVCRAWL_RENDER_PAGES pages at once in all (Scrapy 2.19 starts every request queued in a download
        # slot at once, so a slot's concurrency does not bound them).
        if self._pages_free is None:
            self._pages_free = asyncio.Semaphore(self.pages)
        await self._pages_free.acquire()
        request.meta["render_held"] = True
        name = self.current
        request.meta["playwright_context"] = name
        self.inflight[name] = self.inflight.get(name, 0) + 1
        self.assigned += 1
        if self.assigned >= self.pages_per_context:
            self.generation += 1
            self.assigned = 0
        return None

    async def process_response(self, request: Any, response: Any) -> Any:
        if not request.meta.get("playwright"):
            return response
        page = request.meta.pop("playwright_page", None)
        if page is not None:
            if request.meta.get("render_screenshot") and response.status < 400:
                try:
                    request.meta["render_png"] = await page.screenshot(type="png", timeout=self.screenshot_timeout)
                except Exception as exc:  # noqa: BLE001 - a missing screenshot never loses the page
                    request.meta["render_png_error"] = failure_reason(exc)
            await self._close_page(request, page)
        await self._finished(request)
        return response

    async def process_exception(self, request: Any, exception: Exception) -> None:
        if request.meta.get("playwright"):
            page = request.meta.pop("playwright_page", None)
            if page is not None:
                await self._close_page(request, page)
            await self._finished(request)
        return None

    async def _close_page(self, request: Any, page: Any) -> None:
        self.contexts[request.meta.get("playwright_context")] = page.context
        try:
            if not page.is_closed():
                await page.close()
        except Exception as exc:  # noqa: BLE001
            logger.debug("closing a rendered page: %s", exc)
        self.stats.inc_value("govcrawl/rendered_pages")

    async def _finished(self, request: Any) -> None:
        if request.meta.pop("render_held", False) and self._pages_free is not None:
            self._pages_free.release()
        name = request.meta.get("playwright_context")
        if name not in self.inflight:
            return
        self.inflight[name] -= 1
        if self.inflight[name] > 0 or name == self.current:
            return
        del self.inflight[name]
        context = self.contexts.pop(name, None)
        if context is not None:
            try:
                await context.close()
                self.stats.inc_value("govcrawl/render_contexts_closed")
            except Exception as exc:  # noqa: BLE001
                logger.debug("closing browser context %s: %s", name, exc)
