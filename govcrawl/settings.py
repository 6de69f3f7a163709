"""Scrapy settings for govcrawl: the one place for crawl configuration.

Every govcrawl setting has the ``GOVCRAWL_`` prefix, a default and a comment saying who reads it.
Override any of them per run with ``-s NAME=VALUE`` or in the environment (see README.md).
"""
from __future__ import annotations

import os

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["govcrawl.spiders"]
NEWSPIDER_MODULE = "govcrawl.spiders"

# Who is crawling: a contact URL lets a site's webmaster find the evaluators.
GOVCRAWL_CONTACT_URL = os.environ.get("GOVCRAWL_CONTACT_URL", "https://github.com/govcrawl/govcrawl")
USER_AGENT = f"Mozilla/5.0 (compatible; govcrawl/0.1; +{GOVCRAWL_CONTACT_URL})"

# Politeness: robots.txt honoured (turn off for one run with `-a robots=off`), few requests per site,
# AutoThrottle adapting the delay to each site's latency.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 20
# One item per page: Scrapy starts CONCURRENT_ITEMS asyncio workers per callback output, so the
# default 100 costs ~100 task creations per page for nothing.
CONCURRENT_ITEMS = 8
# Scrapy re-parses the source of generator callbacks (ast) to warn about `return value`; our callbacks
# are known not to, and the check costs ~5 % of the crawl's CPU.
WARN_ON_GENERATOR_RETURN_VALUE = False
RETRY_TIMES = 1
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
# Bounded depth: home (0) -> column (1) -> sub-column (2) -> list pages and articles (3..); a message board
# behind a feature page (1) and its 信件选登 link (2) needs 5 list pages and their letters (3..7).
DEPTH_LIMIT = 8
DEPTH_PRIORITY = 0
LOG_LEVEL = os.environ.get("GOVCRAWL_LOG_LEVEL", "INFO")

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Maps hostnames to local addresses when GOVCRAWL_HOST_MAP is set (the sandbox switch); otherwise plain DNS.
TWISTED_DNS_RESOLVER = "govcrawl.resolver.HostMapResolver"
# GOVCRAWL_HOST_MAP: a JSON file {host: "ip:port" | {port: "ip:port"}} (resolver, and Chromium later).
GOVCRAWL_HOST_MAP = os.environ.get("GOVCRAWL_HOST_MAP", "")
# With a host map, names it does not list fail as DNS errors instead of leaving the machine.
GOVCRAWL_HOST_MAP_STRICT = True

ITEM_PIPELINES = {"govcrawl.pipelines.MongoPipeline": 300}
EXTENSIONS = {"govcrawl.progress.Progress": 500}

# Crawl bounds (spider): per-site page budget, list pages followed per column, articles sampled per column.
GOVCRAWL_MAX_PAGES_PER_SITE = 200
GOVCRAWL_MAX_LIST_PAGES = 3
GOVCRAWL_ARTICLES_PER_COLUMN = 1
# Published letters (spider, govcrawl.boards): list pages followed on a mailbox / message board, and detail
# pages fetched per site for letters whose list entry lacks the reply (in list order).
GOVCRAWL_MAX_BOARD_PAGES = 5
GOVCRAWL_MAX_BOARD_DETAILS = 40
GOVCRAWL_MAX_COLUMNS = 80
# Homepage links checked for breakage (HEAD) per site.
GOVCRAWL_MAX_LINK_CHECKS = 60
# The evaluation date ("now" for freshness), YYYY-MM-DD; empty = today in Asia/Shanghai.
GOVCRAWL_EVAL_DATE = os.environ.get("GOVCRAWL_EVAL_DATE", "")
# Pipeline: pages written to MongoDB per bulk write.
GOVCRAWL_BATCH_SIZE = 200
# A crawl shared by several worker processes through Redis (govcrawl.distributed): redis://host:port/db.
GOVCRAWL_REDIS_URL = os.environ.get("GOVCRAWL_REDIS_URL", "")
# How long a worker of a shared crawl waits for busy workers before it closes (seconds).
GOVCRAWL_REDIS_IDLE_SECONDS = 6.0
# Rendering with Chromium (govcrawl.render): auto = script-built homepages and registry `render: true`
# sites only; off = never (no browser started).
GOVCRAWL_RENDER = os.environ.get("GOVCRAWL_RENDER", "off")
# The Chromium binary scrapy-playwright drives (Debian's chromium-headless-shell).
GOVCRAWL_CHROMIUM = os.environ.get("GOVCRAWL_CHROMIUM", "/usr/lib/chromium/chromium-headless-shell")
# Seconds one rendered page may take before it falls back to the plain response.
GOVCRAWL_RENDER_TIMEOUT = 15.0
# Pages rendered at once (one browser context), and pages a context serves before it is closed.
GOVCRAWL_RENDER_PAGES = 4
GOVCRAWL_RENDER_CONTEXT_PAGES = 50
# Link check (govcrawl.links): links and attachments of the homepage and column pages checked per site
# (HEAD, GET when HEAD is refused), on top of the pages fetched for their content.
GOVCRAWL_LINK_CHECKS_PER_SITE = 100
# Evidence (govcrawl.evidence): keep each run's homepage and column pages (zlib) and the homepage screenshot.
GOVCRAWL_EVIDENCE = True
# Progress line on stderr (the demo turns it on).
GOVCRAWL_PROGRESS = False

FEED_EXPORT_ENCODING = "utf-8"

# Uptime checks (`scrapy crawl uptime`): seconds a homepage visit may take to the full document (V2: 15 s),
# homepages checked at once, and the slot (seconds) a single round's id is floored to, so that a second
# start within the same slot resumes that round instead of adding visits (cron every hour: 24 a day).
GOVCRAWL_UPTIME_TIMEOUT = 15
GOVCRAWL_UPTIME_CONCURRENCY = 100
GOVCRAWL_UPTIME_SLOT = 3600
