"""``scrapy crawl uptime``: one round of homepage availability checks of every active registered site.

A check is one visit: a single GET of the registered homepage URL (redirects followed), which succeeds when
the full document arrives within ``GOVCRAWL_UPTIME_TIMEOUT`` seconds (15, the inspection's rule), with a
status below 400 and a page that is neither empty nor an error or maintenance notice served with 200.
Each check becomes one ``checks`` document::

    {site_id, at (UTC, when the visit started), round_id, ok, status, seconds (to the full document),
     error_kind (dns|connect|tls|timeout|http_status|empty_page|error_page|error, None when ok), detail,
     url, final_url}

Decisions:

* No robots.txt fetch: a check is one homepage visit, as a person's browser makes it, not a crawl; robots.txt
  governs crawlers walking a site, and fetching it would double the requests (and could fail on its own).
* No retry: a failed visit is the observation.  Every visit opens a new connection (``Connection: close``,
  no DNS cache), so DNS, connect and TLS failures are seen every round.
* Idempotent per (site, round): ``checks`` has a unique (round_id, site_id) index and a round started again
  checks only the sites it has no check for.  A single round's id is the start time floored to
  ``GOVCRAWL_UPTIME_SLOT`` (default 1 hour), so a cron job started twice in the same hour adds no visits.

Options: ``-a rounds=N -a interval=SECONDS`` (N rounds in one process, started every SECONDS),
``-a only=ID,..``, ``-a round=ID`` (an explicit round id, single round only).
"""
from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import scrapy
from pymongo.errors import BulkWriteError
from scrapy.http import Request, Response

from govcrawl import failures
from govcrawl.registry import Site, active_sites

logger = logging.getLogger(__name__)

#: Visible text shorter than this is searched for error markers anywhere; longer pages only in the title.
ERROR_PAGE_MAX_TEXT = 600
#: Markers of an error, maintenance or placeholder page (lower-case; searched in the title, or in the text
#: of a short page).  Status codes only count in the title.
ERROR_MARKERS = (
    "系统维护", "网站维护", "维护中", "升级维护", "系统升级", "暂停服务", "暂停访问", "暂时无法访问", "无法访问",
    "页面不存在", "找不到页面", "页面未找到", "无法找到该页", "网页不存在", "网站已关闭", "已停止服务", "正在建设中",
    "未备案", "服务器错误", "系统错误", "出错了", "not found", "forbidden", "service unavailable",
    "internal server error", "bad gateway", "gateway time-out", "gateway timeout", "under construction",
    "welcome to nginx", "it works!", "iis windows server", "apache tomcat", "runtime error", "database error",
)
_TITLE_CODES = re.compile(r"\b(?:403|404|500|502|503|504)\b")
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
_DROP_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG_RE = re.compile(r"<[^>]+>|&nbsp;|&#160;|\s+")
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?([\w-]+)""", re.I)
_SCRIPT_REDIRECT_RE = re.compile(
    r"""(?:window\.|document\.|top\.|self\.|parent\.)?location(?:\.href)?\s*=\s*["']([^"'<>\s]+)["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"'<>\s]+)["']\s*\)""", re.I)
#: Script redirects followed per visit (many portals' index.html only sends the browser on to the real homepage).
MAX_SCRIPT_REDIRECTS = 2


def script_redirect(body: bytes, content_type: str = "") -> str | None:
    """The target of a homepage that only redirects by script (``location.href = '/portal/'``), else None."""
    text = _decode(body, content_type)
    visible = _TAG_RE.sub("", _DROP_RE.sub(" ", text))
    if len(visible) >= ERROR_PAGE_MAX_TEXT:
        return None
    m = _SCRIPT_REDIRECT_RE.search(text)
    return (m.group(1) or m.group(2)) if m else None


def _decode(body: bytes, content_type: str) -> str:
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I) or None
    declared = m.group(1) if m else None
    if not declared:
        mb = _CHARSET_RE.search(body[:4096])
        declared = mb.group(1).decode("ascii", "replace") if mb else None
    for enc in (declared, "utf-8", "gb18030"):
        if not enc:
            continue
        if enc.lower() in ("gb2312", "gbk"):
            enc = "gb18030"
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def judge_page(status: int, body: bytes, content_type: str = "") -> tuple[bool, str | None, str]:
    """(ok, error_kind, detail) of a homepage answer (pure): HTTP status, an error title, error text on a short
    page, an empty page."""
    if status >= 400 or 300 <= status < 400:
        return False, failures.HTTP_STATUS, f"HTTP {status}"
    text = _decode(body, content_type)
    m = _TITLE_RE.search(text.encode("utf-8", "replace")) if text else None
    title = _TAG_RE.sub(" ", m.group(1).decode("utf-8", "replace")).strip() if m else ""
    visible = _TAG_RE.sub("", _DROP_RE.sub(" ", text))
    low_title = title.lower()
    for marker in ERROR_MARKERS:
        if marker in low_title:
            return False, failures.ERROR_PAGE, f"title {title[:80]!r}"
    if _TITLE_CODES.search(title) and len(visible) < ERROR_PAGE_MAX_TEXT * 2:
        return False, failures.ERROR_PAGE, f"title {title[:80]!r}"
    if len(visible) < ERROR_PAGE_MAX_TEXT:
        low = visible.lower()
        for marker in ERROR_MARKERS:
            if marker in low:
                return False, failures.ERROR_PAGE, f"{marker!r} in a {len(visible)}-character page"
    if len(visible) < failures.EMPTY_PAGE_CHARS:
        return False, failures.EMPTY_PAGE, f"{len(body)} bytes, {len(visible)} characters of text"
    return True, None, ""


def round_id_for(start: datetime, slot: float) -> str:
    """The id of a round starting at ``start``: the UTC time floored to ``slot`` seconds (milliseconds
    shown when the slot is shorter than a second's multiple)."""
    ts = start.astimezone(timezone.utc).timestamp()
    if slot > 0:
        ts = math.floor(ts / slot) * slot
    t = datetime.fromtimestamp(ts, timezone.utc)
    if slot > 0 and float(slot).is_integer():
        return t.strftime("%Y%m%dT%H%M%SZ")
    return t.strftime("%Y%m%dT%H%M%S.") + f"{t.microsecond // 1000:03d}Z"


class TimingMiddleware:
    """Seconds from the visit's start (first request, before DNS) to the full document or the failure;
    redirects keep the first request's start (Scrapy copies meta to the redirected request)."""

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("uptime_t0", time.monotonic())
        request.meta.setdefault("uptime_at", datetime.now(timezone.utc))

    def process_response(self, request: Request, response: Response) -> Response:
        request.meta["uptime_seconds"] = time.monotonic() - request.meta.get("uptime_t0", time.monotonic())
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        request.meta["uptime_seconds"] = time.monotonic() - request.meta.get("uptime_t0", time.monotonic())


class UptimeSpider(scrapy.Spider):
    name = "uptime"
    custom_settings: dict[str, Any] = {
        "ROBOTSTXT_OBEY": False,
        "RETRY_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "DNSCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "ITEM_PIPELINES": {},
        "DOWNLOADER_MIDDLEWARES": {"govcrawl.spiders.uptime.TimingMiddleware": 950},
        "EXTENSIONS": {"govcrawl.progress.Progress": None},
    }

    def __init__(self, rounds: str = "1", interval: str = "0", only: str = "", round: str = "",  # noqa: A002
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self.rounds = int(rounds)
            self.interval = float(interval)
        except ValueError:
            raise ValueError(f"-a rounds={rounds!r} -a interval={interval!r}: whole rounds and seconds expected") from None
        if self.rounds < 1 or self.interval < 0:
            raise ValueError("-a rounds must be >= 1 and -a interval >= 0")
        if round and self.rounds != 1:
            raise ValueError("-a round=ID names one round: not with -a rounds > 1")
        self.only = [s.strip() for s in only.split(",") if s.strip()]
        self.round_arg = round
        self.sites: dict[str, Site] = {}
        self.summaries: list[dict[str, Any]] = []
        self._pending: set[str] = set()
        self._docs: list[dict[str, Any]] = []
        self._done: asyncio.Event | None = None

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        settings.set("CONCURRENT_REQUESTS", settings.getint("GOVCRAWL_UPTIME_CONCURRENCY", 100), priority="spider")
        settings.set("DOWNLOAD_TIMEOUT", settings.getfloat("GOVCRAWL_UPTIME_TIMEOUT", 15), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "UptimeSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        from govcrawl import store

        spider.db = store.get_db()
        store.ensure_indexes(spider.db)
        spider.limit = crawler.settings.getfloat("GOVCRAWL_UPTIME_TIMEOUT", 15)
        spider.slot = crawler.settings.getfloat("GOVCRAWL_UPTIME_SLOT", 3600)
        sites = active_sites(spider.db, spider.only)
        if not sites:
            raise ValueError("no sites to check: load a registry with `python -m govcrawl sites load FILE`")
        spider.sites = {s.id: s for s in sites}
        return spider

    # ------------------------------------------------------------------ rounds

    async def start(self):  # type: ignore[override]
        from govcrawl.spiders.portals import PortalsSpider

        PortalsSpider._check_host_map(self)  # type: ignore[arg-type] - the same guard: no sandbox name to real DNS
        t0 = time.time()
        for k in range(self.rounds):
            if k:
                await asyncio.sleep(max(0.0, t0 + k * self.interval - time.time()))
            start = datetime.now(timezone.utc)
            if self.round_arg:
                rid = self.round_arg
            elif self.rounds == 1:
                rid = round_id_for(start, self.slot)
            else:  # the round's own start, to the millisecond (rounds of one process never share an id)
                rid = round_id_for(start, 0.001)
                while self.summaries and rid <= self.summaries[-1]["round_id"]:
                    start += timedelta(milliseconds=1)
                    rid = round_id_for(start, 0.001)
            done = await asyncio.to_thread(self._checked, rid)
            todo = [s for sid, s in sorted(self.sites.items()) if sid not in done]
            self._pending, self._docs = {s.id for s in todo}, []
            self._done = asyncio.Event()
            if not todo:
                self._done.set()
            logger.info("uptime round %s: %d sites to check (%d already checked)", rid, len(todo), len(done))
            for site in todo:
                yield Request(site.url, callback=self.parse, errback=self.on_error, dont_filter=True,
                              headers={"Connection": "close", "Cache-Control": "no-cache"},
                              meta={"site_id": site.id, "round_id": rid, "handle_httpstatus_all": True,
                                    "download_timeout": self.limit})
            await self._done.wait()
            written = await asyncio.to_thread(self._write, self._docs)
            bad = [d for d in self._docs if not d["ok"]]
            kinds: dict[str, int] = {}
            for d in bad:
                kinds[d["error_kind"]] = kinds.get(d["error_kind"], 0) + 1
            self.summaries.append({"round_id": rid, "checks": len(self._docs), "written": written,
                                   "failures": len(bad), "kinds": kinds})
            logger.info("uptime round %s: %d checks, %d failed %s", rid, len(self._docs), len(bad), kinds or "")

    def _checked(self, rid: str) -> set[str]:
        return {d["site_id"] for d in self.db.checks.find({"round_id": rid, "site_id": {"$in": sorted(self.sites)}},
                                                         {"site_id": 1, "_id": 0})}

    def _write(self, docs: list[dict[str, Any]]) -> int:
        if not docs:
            return 0
        try:
            return len(self.db.checks.insert_many(sorted(docs, key=lambda d: d["site_id"]), ordered=False).inserted_ids)
        except BulkWriteError as exc:
            dup = [e for e in exc.details.get("writeErrors", []) if e.get("code") == 11000]
            if len(dup) != len(exc.details.get("writeErrors", [])):
                raise
            logger.info("uptime: %d checks were already stored by another process (same round)", len(dup))
            return exc.details.get("nInserted", 0)

    def _record(self, meta: dict[str, Any], **fields: Any) -> None:
        site = self.sites[meta["site_id"]]
        doc = {"site_id": site.id, "at": meta.get("uptime_at") or datetime.now(timezone.utc),
               "round_id": meta["round_id"], "url": site.url, "seconds": _rounded(meta.get("uptime_seconds")),
               "status": None, "final_url": None, "error_kind": None, "detail": ""}
        doc.update(fields)
        self._docs.append(doc)
        self._pending.discard(site.id)
        if not self._pending and self._done is not None:
            self._done.set()

    # ------------------------------------------------------------------ callbacks

    def parse(self, response: Response) -> Iterable[Any]:
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        hops = response.meta.get("uptime_script_hops", 0)
        target = script_redirect(response.body, ctype) if response.status == 200 and hops < MAX_SCRIPT_REDIRECTS else None
        if target:  # the visit goes on where the script sends the browser (same start time, same limit)
            meta = {k: v for k, v in response.meta.items() if k.startswith("uptime_") or k in (
                "site_id", "round_id", "handle_httpstatus_all", "download_timeout")}
            meta["uptime_script_hops"] = hops + 1
            yield response.follow(target, callback=self.parse, errback=self.on_error, dont_filter=True,
                                  headers={"Connection": "close", "Cache-Control": "no-cache"}, meta=meta)
            return
        ok, kind, detail = judge_page(response.status, response.body, ctype)
        seconds = response.meta.get("uptime_seconds")
        if ok and seconds is not None and seconds > self.limit:
            ok, kind, detail = False, failures.TIMEOUT, f"full document after {seconds:.1f} s (limit {self.limit:g} s)"
        self._record(response.meta, ok=ok, status=response.status, final_url=response.url, error_kind=kind, detail=detail)

    def on_error(self, failure: Any) -> Iterable[Any]:
        kind, detail = failures.classify_failure(failure)
        self._record(failure.request.meta, ok=False, error_kind=kind, detail=detail)
        return ()


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)

