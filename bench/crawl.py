"""Crawl throughput: the full portals spider + pipeline against a fetch-only baseline, in one process.

    python bench/crawl.py [--rounds 1]

Starts the sandbox (a separate process) and a private database, then in ONE crawler process:
  1. a warm-up portals crawl (fills the sandbox's page cache, discovers the URL set),
  2. the baseline: a spider that GETs exactly the URLs the portals crawl fetched, parsing nothing,
  3. the measured portals crawl (extraction, MongoDB pipeline, snapshots at close).
Prints pages/s of each, the ratio full/baseline (target >= 0.40) and the process's peak RSS
(target < 400 MB).  Both crawls use the same settings (AutoThrottle off, same concurrency).
Then 4. the portals crawl with rendering on (GOVCRAWL_RENDER=auto: script-built homepages through
chromium-headless-shell): its pages/s and the share of pages rendered (--no-render skips it).
"""
from __future__ import annotations

import argparse
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govcrawl.settings")

import scrapy  # noqa: E402
from scrapy import signals  # noqa: E402


class FetchOnlySpider(scrapy.Spider):
    """The baseline: fetch a fixed URL list, parse nothing, store nothing."""

    name = "fetch_only"

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls
        self.count = 0

    async def start(self):
        for method, url in self.urls:
            yield scrapy.Request(url, method=method, callback=self.parse, meta={"handle_httpstatus_all": True})

    def parse(self, response):
        self.count += 1
        return None


class Timer:
    def __init__(self, crawler):
        self.start = self.end = 0.0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    def opened(self, spider):
        self.start = time.perf_counter()

    def closed(self, spider, reason):
        self.end = time.perf_counter()

    @property
    def seconds(self) -> float:
        return self.end - self.start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--profile", help="write a cProfile of the measured portals crawl to this file")
    ap.add_argument("--no-render", action="store_true", help="skip the crawl with rendering on")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="govcrawl-bench-"))
    os.environ["GOVCRAWL_VAR"] = str(tmp / "var")
    os.environ["MONGO_DB"] = "bench_" + secrets.token_hex(3)

    from scrapy.crawler import CrawlerRunner
    from scrapy.utils.log import configure_logging
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor

    from govcrawl import registry, store
    from govcrawl.demo import start_sandbox
    from govcrawl.spiders.portals import PortalsSpider, new_run_id

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import defer, reactor

    sandbox, state = start_sandbox(tmp / "sandbox")
    db = store.get_db()
    registry.load(db, registry.read_file(state["registry_file"]))

    settings = get_project_settings()
    settings.setdict({
        "GOVCRAWL_HOST_MAP": state["hostmap_file"], "GOVCRAWL_EVAL_DATE": state["eval_date"],
        "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": args.concurrency, "LOG_LEVEL": "WARNING",
        "GOVCRAWL_PROGRESS": False,
    }, priority="cmdline")
    configure_logging(settings)
    # CrawlerRunner leaves the reactor to us: install the host-map resolver as CrawlerProcess would.
    from types import SimpleNamespace

    from govcrawl.resolver import HostMapResolver

    HostMapResolver.from_crawler(SimpleNamespace(settings=settings), reactor).install_on_reactor()
    runner = CrawlerRunner(settings)
    results: dict[str, tuple[int, float]] = {}
    rendered_share: dict[str, float] = {}
    peak: dict[str, float] = {}

    def fetched(run_id: str) -> int:
        """Requests that got a response (pages and HEAD-checked links; robots-blocked ones are not fetched)."""
        return db.pages.count_documents({"run_id": run_id, "status": {"$ne": None}})

    @defer.inlineCallbacks
    def sequence():
        warm_run = new_run_id()
        crawler = runner.create_crawler(PortalsSpider)
        timer = Timer(crawler)
        yield runner.crawl(crawler, run=warm_run)
        results["warm-up portals"] = (fetched(warm_run), timer.seconds)
        # The same requests: GET for pages, HEAD for the homepage links the portals spider checks.
        urls = [("HEAD" if p["role"] == "link" else "GET", p["url"])
                for p in db.pages.find({"run_id": warm_run, "status": {"$ne": None}}, {"url": 1, "role": 1}).sort("url", 1)]
        crawler = runner.create_crawler(FetchOnlySpider)
        crawler.settings.set("ITEM_PIPELINES", {}, priority="spider")
        timer = Timer(crawler)
        yield runner.crawl(crawler, urls=urls)
        results["baseline fetch-only"] = (crawler.spider.count, timer.seconds)
        run = new_run_id()
        crawler = runner.create_crawler(PortalsSpider)
        timer = Timer(crawler)
        prof = None
        if args.profile:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        yield runner.crawl(crawler, run=run)
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        results["portals + pipeline"] = (fetched(run), timer.seconds)
        peak["mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the browser run
        if not args.no_render:
            run = new_run_id()
            crawler = runner.create_crawler(PortalsSpider)
            crawler.settings.set("GOVCRAWL_RENDER", "auto", priority="cmdline")
            timer = Timer(crawler)
            yield runner.crawl(crawler, run=run)
            results["portals, rendering on"] = (fetched(run), timer.seconds)
            content = {"run_id": run, "status": {"$ne": None}, "role": {"$ne": "link"}}
            rendered_share.update(rendered=db.pages.count_documents({**content, "render.rendered": True}),
                                  content=db.pages.count_documents(content))
        reactor.stop()

    reactor.callWhenRunning(sequence)
    try:
        reactor.run()
    finally:
        sandbox.terminate()
        sandbox.wait(10)
        store.EmbeddedServer().stop()
    peak_mb = peak.get("mb") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'crawl':<22}{'pages':>8}{'seconds':>10}{'pages/s':>10}")
    for name, (n, secs) in results.items():
        print(f"{name:<22}{n:>8}{secs:>10.2f}{n / secs:>10.1f}")
    base = results["baseline fetch-only"]
    full = results["portals + pipeline"]
    ratio = (full[0] / full[1]) / (base[0] / base[1])
    print(f"ratio full/baseline: {ratio:.2f} (target >= 0.40)")
    print(f"peak RSS of the crawler process: {peak_mb:.0f} MB (target < 400 MB)")
    if rendered_share:
        n, secs = results["portals, rendering on"]
        print(f"rendering on: {n / secs:.1f} pages/s; rendered {rendered_share['rendered']} of "
              f"{rendered_share['content']} content pages ({rendered_share['rendered'] / max(1, rendered_share['content']):.1%}; "
              f"link checks not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
