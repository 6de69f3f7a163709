"""One crawl shared by several ``scrapy crawl portals`` processes through Redis (scrapy-redis 0.9.1).

Every worker is started with the same ``-a run=ID`` and ``-s GOVCRAWL_REDIS_URL=redis://host:port/db``.
They share the request queue and the duplicate filter (so every page is fetched once, by whichever
worker pops it), the per-site page budgets, and a heartbeat: a worker that runs out of requests
waits while another is still busy (its pages may yield more), and all close once the queue is empty
and nobody has worked for ``GOVCRAWL_REDIS_IDLE_SECONDS``.  Each worker rebuilds the run's snapshots
from the stored pages when it closes (idempotent), so the last one leaves the complete result.

scrapy-redis on Scrapy 2.19 needs care (notes/crawl-stack.md): the queue must persist
(SCHEDULER_PERSIST, or the first worker to finish deletes it), seeds come from ``start()``, and
Scrapy's own stats collector stays.  Keys are namespaced by run, ``govcrawl:<run>:*``;
``python -m govcrawl redis clear RUN`` deletes them once a run is over.
"""
from __future__ import annotations

import logging
import os
import socket
from typing import Any

logger = logging.getLogger(__name__)

PREFIX = "govcrawl"


def keys_prefix(run_id: str) -> str:
    return f"{PREFIX}:{run_id}:"


def configure(settings: Any, run_id: str) -> bool:
    """Switch a crawler's settings to the shared Redis scheduler when GOVCRAWL_REDIS_URL is set."""
    url = settings.get("GOVCRAWL_REDIS_URL")
    if not url:
        return False
    if not run_id:
        raise ValueError("GOVCRAWL_REDIS_URL is set: give every worker the same run id with -a run=ID")
    prefix = keys_prefix(run_id)
    settings.setdict({
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # never let the first worker to finish delete the shared queue
        "SCHEDULER_FLUSH_ON_START": False,  # late-joining workers must not wipe the crawl
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": prefix + "%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": prefix + "%(spider)s:dupefilter",
        "REDIS_URL": url,
    }, priority="cmdline")
    return True


class Coordinator:
    """Shared budgets and the heartbeat of the workers of one run."""

    def __init__(self, url: str, run_id: str, idle_seconds: float = 6.0) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=10)
        self.redis.ping()
        self.prefix = keys_prefix(run_id)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.idle_seconds = idle_seconds

    def take(self, site_id: str, limit: int) -> bool:
        """Count one page against the site's budget for the whole run; False when it is spent."""
        key = self.prefix + "budget:" + site_id
        used = self.redis.incr(key)
        return used <= limit

    def claim(self, name: str, member: str) -> bool:
        """True for the first worker to claim ``member`` of the run-wide set ``name`` (e.g. a link to check)."""
        return bool(self.redis.sadd(self.prefix + name, member))

    def beat(self) -> None:
        """This worker is busy (called for every response)."""
        self.redis.set(self.prefix + "busy:" + self.worker, 1, px=int(self.idle_seconds * 1000))

    def others_busy(self) -> bool:
        mine = (self.prefix + "busy:" + self.worker).encode()
        return any(k != mine for k in self.redis.scan_iter(match=self.prefix + "busy:*", count=100))

    def queue_length(self, spider_name: str) -> int:
        return int(self.redis.zcard(self.prefix + f"{spider_name}:requests"))


def clear(url: str, run_id: str) -> int:
    """Delete a run's Redis keys (queue, duplicate filter, budgets); returns how many were deleted."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    keys = list(client.scan_iter(match=keys_prefix(run_id) + "*", count=1000))
    return client.delete(*keys) if keys else 0
