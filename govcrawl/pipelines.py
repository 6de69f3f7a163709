"""Item pipeline: pages into MongoDB in batches, off the reactor thread; snapshots when the run closes."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import fields
from typing import Any

from scrapy import signals
from pymongo import UpdateOne

from govcrawl import evidence, store
from govcrawl.finalize import build_run_snapshots, close_run

logger = logging.getLogger(__name__)

#: Batches being written while the crawl goes on.  One: batches are then written in order, so two
#: upserts of one URL (a HEAD check and a GET) never race on the unique (run_id, url) index.
MAX_PENDING_WRITES = 1


class MongoPipeline:
    """Upserts one ``pages`` document per (run, url): re-running or resuming never duplicates."""

    def __init__(self, batch_size: int, crawler: Any) -> None:
        self.batch_size = batch_size
        self.crawler = crawler
        self.buffer: list[UpdateOne] = []
        self.evidence: list[Any] = []  # govcrawl.evidence documents (homepage and column pages)
        self.written = 0
        self.db = None
        self.pending: list[asyncio.Future[None]] = []  # batches being written, oldest first

    @classmethod
    def from_crawler(cls, crawler: Any) -> "MongoPipeline":
        pipeline = cls(crawler.settings.getint("GOVCRAWL_BATCH_SIZE", 200), crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.db = store.get_db()

    async def process_item(self, item: Any) -> Any:
        # A shallow copy: ItemAdapter.asdict() walks every nested fact looking for items (1.5 ms a page).
        doc = {f.name: getattr(item, f.name) for f in fields(item)}
        kept = doc.pop("evidence", None)
        if kept:
            self.evidence.extend(evidence.upserts(evidence.documents(doc, kept)))
        key = {"run_id": doc["run_id"], "url": doc["url"]}
        if doc["role"] == "link":
            # A HEAD check never overwrites a page fetched for its content (same URL, same run); its
            # result is kept under ``link`` either way (govcrawl.links).
            link = doc.pop("link", None)
            self.buffer.append(UpdateOne(key, {"$setOnInsert": doc, "$set": {"link": link}}, upsert=True))
        else:
            if doc.get("link") is None:
                doc.pop("link", None)
            # ``fetches`` counts GETs of this URL in this run: 1 unless something went wrong.
            self.buffer.append(UpdateOne(key, {"$set": doc, "$inc": {"fetches": 1}}, upsert=True))
        if len(self.buffer) >= self.batch_size or len(self.evidence) >= self.batch_size:
            await self._flush()
        return item

    async def _flush(self, wait: bool = False) -> None:
        """Hand the buffered writes to a worker thread; the crawl goes on while they run.

        At most ``MAX_PENDING_WRITES`` batches are in flight (back-pressure); a failed write surfaces on
        the next flush or at close.  ``wait`` drains everything (spider closing).
        """
        ops, self.buffer = self.buffer, []
        kept, self.evidence = self.evidence, []
        if ops or kept:
            self.pending.append(asyncio.ensure_future(asyncio.to_thread(self._write, ops, kept)))
        while self.pending and (wait or len(self.pending) > MAX_PENDING_WRITES or self.pending[0].done()):
            await self.pending.pop(0)

    def _write(self, ops: list[UpdateOne], kept: list[Any]) -> None:
        if ops:
            self.db.pages.bulk_write(ops, ordered=False)
            self.written += len(ops)
        if kept:
            self.db[evidence.COLLECTION].bulk_write(kept, ordered=False)

    async def close_spider(self) -> None:
        await self._flush(wait=True)

    async def spider_closed(self, spider: Any, reason: str) -> None:
        """Build the run's snapshots from its pages, then close the run document."""
        run_id = spider.run_id
        n = await asyncio.to_thread(build_run_snapshots, self.db, run_id, sorted(spider.sites))
        stats = {k.replace(".", "_").replace("/", "_"): v for k, v in self.crawler.stats.get_stats().items()
                 if isinstance(v, (int, float, str))}
        await asyncio.to_thread(close_run, self.db, run_id, reason, stats)
        logger.info("run %s: %d pages written, %d snapshots built (%s)", run_id, self.written, n, reason)
