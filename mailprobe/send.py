"""``mailprobe send``: one polite question per active site, at most once per campaign.

Each probe is recorded as ``queued`` (insert, unique on campaign+site) *before* it is handed to
SMTP, then ``sent`` with the server's queue id, or ``failed`` with the SMTP error.  A crash
between the two leaves it ``queued`` ("unconfirmed"): it is never sent again automatically.
Throttled campaigns write each probe alone; unthrottled ones (rate 0: sandbox, bench) write
queued/sent records per batch of ``UNTHROTTLED_BATCH``.
One SMTP connection (aiosmtplib) carries all messages, paced by the campaign's rate.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import aiosmtplib
from pymongo.database import Database
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from .compose import AddressChoice, Composed, choose_address, compose_raw, make_token, probe_id, question_terms, render
from .config import Config
from .errors import SafetyError, SendError

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
DUPLICATE_KEY = 11000
SMTP_PERMANENT = 500  # reply codes >= this are permanent failures (RFC 5321 4.2.1)
_QUEUED_AS = re.compile(r"queued as ([0-9A-Za-z]+)|\bid[= ]([0-9A-Za-z.-]+)|<([^>]+)>\s*(?:Queued|queued)")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Planned:
    site: Mapping[str, Any]
    choice: AddressChoice
    token: str
    message: Composed | None
    retry: bool = False


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (site, why)
    planned: list[Planned] = field(default_factory=list)
    seconds: float = 0.0


def queue_id(response: str) -> str | None:
    m = _QUEUED_AS.search(response or "")
    return next((g for g in m.groups() if g), None) if m else None


def plan(db: Database, config: Config, only: Iterable[str] | None = None, retry_failed: bool = False) -> tuple[list[Planned], list[tuple[str, str]]]:
    """What a run would send: active sites without a probe in this campaign, with their address."""
    campaign = config.campaign.name
    query: dict[str, Any] = {"active": True}
    only_set = {s.strip() for s in only or [] if s.strip()}
    if only_set:
        query["_id"] = {"$in": sorted(only_set)}
    existing = {p["site_id"]: p for p in db.probes.find({"campaign": campaign}, {"site_id": 1, "state": 1, "smtp_error": 1})}
    planned: list[Planned] = []
    skipped: list[tuple[str, str]] = []
    for site in db.sites.find(query).sort("_id", 1):
        sid = site["_id"]
        old = existing.get(sid)
        retry = False
        if old is not None:
            temp_fail = old.get("state") == "failed" and not (old.get("smtp_error") or {}).get("permanent", True)
            if not (retry_failed and temp_fail):
                skipped.append((sid, f"already probed in {campaign} ({old.get('state')})"))
                continue
            retry = True
        choice = choose_address(site, None, config.campaign)
        if choice.address is None:  # no usable registry address: the latest crawl's
            snap = db.snapshots.find_one({"site_id": sid}, sort=[("started_at", -1)], projection={"emails": 1})
            choice = choose_address(site, snap, config.campaign)
        if choice.address is None:
            why = "no consultation address" + ("; rejected: " + ", ".join(f"{a} ({w})" for a, w in choice.rejected) if choice.rejected else "")
            skipped.append((sid, why))
            continue
        token = make_token(campaign, sid)
        planned.append(Planned(site, choice, token, compose_raw(config, site, choice.address, token), retry))
    if only_set:
        for sid in sorted(only_set - {p.site["_id"] for p in planned} - {s for s, _ in skipped}):
            skipped.append((sid, "no such active site"))
    return planned, skipped


def _probe_doc(config: Config, p: Planned, now: dt.datetime) -> dict[str, Any]:
    site = p.site
    msg = p.message
    assert msg is not None
    return {
        "_id": probe_id(config.campaign.name, site["_id"]), "campaign": config.campaign.name, "site_id": site["_id"],
        "site_name": site.get("name"), "group": site.get("group"), "to": p.choice.address,
        "address_source": p.choice.source, "address_context": p.choice.context,
        "token": p.token, "message_id": msg.message_id.strip("<>"), "subject": msg.subject,
        "terms": question_terms(config.campaign, site.get("group")), "from": config.sender_address,
        "state": "queued", "queued_at": now, "sent_at": None, "queue_id": None, "smtp_error": None,
        "events": [{"at": now, "kind": "queued"}], "result": {"outcome": "unconfirmed"},
    }


class _Pacer:
    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next = time.monotonic()

    async def wait(self) -> None:
        if self.interval:
            delay = self.next - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.next = max(self.next, time.monotonic()) + self.interval


async def _connect(config: Config) -> aiosmtplib.SMTP:
    s = config.smtp
    client = aiosmtplib.SMTP(
        hostname=s.host, port=s.port, use_tls=s.security == "tls", start_tls=s.security == "starttls",
        timeout=60, local_hostname=config.sender_domain, tls_context=s.ssl_context(),
    )
    try:
        await client.connect()
        if s.username and s.password:
            await client.login(s.username, s.password.reveal())
    except aiosmtplib.SMTPAuthenticationError as exc:
        client.close()  # never leave the socket to the garbage collector
        raise SendError(f"SMTP login as {s.username} at {s.host}:{s.port} refused ({exc.code})") from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        client.close()
        raise SendError(f"cannot open an SMTP session with {s.host}:{s.port}: {type(exc).__name__}: {exc}") from None
    return client


#: Probes recorded per database round trip when unthrottled (rate 0): "queued" is still written before
#: any of them is handed to SMTP; a crash leaves at most this many unconfirmed.  Throttled runs use 1.
UNTHROTTLED_BATCH = 50


async def _deliver(db: Database, config: Config, planned: list[Planned], clock: Clock, report: SendReport) -> None:
    client = await _connect(config)
    pacer = _Pacer(config.campaign.rate)
    batch = 1 if config.campaign.rate > 0 else UNTHROTTLED_BATCH
    chunks = [planned[i:i + batch] for i in range(0, len(planned), batch)]
    flush: asyncio.Future[Any] | None = None
    try:
        # The next chunk's "queued" records are written while this chunk is sent, and this chunk's
        # "sent" records while the next is sent; a chunk is never sent before its records exist.
        nxt = asyncio.ensure_future(asyncio.to_thread(_record_queued, db, config, chunks[0], clock(), report)) if chunks else None
        for k in range(len(chunks)):
            assert nxt is not None
            chunk = await nxt
            nxt = (asyncio.ensure_future(asyncio.to_thread(_record_queued, db, config, chunks[k + 1], clock(), report))
                   if k + 1 < len(chunks) else None)
            updates: list[UpdateOne] = []
            try:
                for p in chunk:
                    await pacer.wait()
                    client, update = await _send_one(client, config, p, clock, report)
                    updates.append(update)
            finally:
                if flush is not None:
                    await flush
                    flush = None
                if updates:
                    flush = asyncio.ensure_future(asyncio.to_thread(db.probes.bulk_write, updates, ordered=True))
        if flush is not None:
            await flush
            flush = None
    except BaseException:
        if flush is not None:
            await flush
        if nxt is not None:
            await asyncio.gather(nxt, return_exceptions=True)
        raise
    finally:
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
            pass
        finally:
            client.close()  # always: a transport left to the garbage collector warns (ResourceWarning)


def _record_queued(db: Database, config: Config, chunk: list[Planned], now: dt.datetime, report: SendReport) -> list[Planned]:
    """Write 'queued' for every probe of the chunk before any is sent; returns those this run owns."""
    owned: list[Planned] = []
    fresh = [p for p in chunk if not p.retry]
    for p in chunk:
        to = p.choice.address or ""
        if not config.campaign.allows(to):  # the safety switch, checked again at the last moment
            raise SafetyError(f"{p.site['_id']}: {to} is outside the allowed domains {config.campaign.allowed_domains}")
    if fresh:
        docs = [_probe_doc(config, p, now) for p in fresh]
        dup: set[int] = set()
        try:
            db.probes.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            dup = {e["index"] for e in errors}
        for i, p in enumerate(fresh):
            if i in dup:
                report.skipped.append((p.site["_id"], "already probed (another run)"))
            else:
                owned.append(p)
    for p in chunk:
        if p.retry:
            pid = probe_id(config.campaign.name, p.site["_id"])
            r = db.probes.update_one(
                {"_id": pid, "state": "failed"},
                {"$set": {"state": "queued", "queued_at": now}, "$push": {"events": {"at": now, "kind": "queued", "retry": True}}},
            )
            if r.modified_count == 1:
                owned.append(p)
            else:
                report.skipped.append((p.site["_id"], "changed by another run"))
    return owned


async def _send_one(client: aiosmtplib.SMTP, config: Config, p: Planned, clock: Clock,
                    report: SendReport) -> tuple[aiosmtplib.SMTP, UpdateOne]:
    to = p.choice.address
    assert to is not None and p.message is not None
    pid = probe_id(config.campaign.name, p.site["_id"])
    raw = p.message.with_date(clock())
    error: dict[str, Any] | None = None
    response = ""
    try:
        if not client.is_connected:
            client = await _connect(config)
        _errors, response = await client.sendmail(config.sender_address, [to], raw)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0] if exc.recipients else None
        code = getattr(first, "code", 0)
        error = {"code": code, "message": str(getattr(first, "message", exc)), "permanent": code >= SMTP_PERMANENT}
    except aiosmtplib.SMTPResponseException as exc:
        error = {"code": exc.code, "message": exc.message, "permanent": exc.code >= SMTP_PERMANENT}
    except (aiosmtplib.SMTPException, OSError) as exc:
        # The server may or may not have taken it: never retried automatically.
        error = {"code": 0, "message": f"{type(exc).__name__}: {exc}", "permanent": True, "connection": True}
        try:
            client.close()
        except Exception:
            pass
    done = clock()
    if error is None:
        qid = queue_id(response)
        report.sent.append(p.site["_id"])
        return client, UpdateOne({"_id": pid}, {
            "$set": {"state": "sent", "sent_at": done, "queue_id": qid, "smtp_response": response[:300], "result.outcome": "waiting"},
            "$push": {"events": {"at": done, "kind": "sent", "queue_id": qid}},
        })
    report.failed.append((p.site["_id"], f"{error['code']} {error['message']}"))
    logger.warning("probe %s to %s failed: %s %s", pid, to, error["code"], error["message"])
    return client, UpdateOne({"_id": pid}, {
        "$set": {"state": "failed", "smtp_error": error, "result.outcome": "failed", "result.reached": False},
        "$push": {"events": {"at": done, "kind": "failed", **error}},
    })


def send(db: Database, config: Config, *, only: Iterable[str] | None = None, dry_run: bool = False,
         retry_failed: bool = False, clock: Clock = utcnow) -> SendReport:
    """Plan, then (unless ``dry_run``) send every planned probe over one SMTP connection."""
    t0 = time.monotonic()
    planned, skipped = plan(db, config, only, retry_failed)
    report = SendReport(skipped=skipped, planned=planned)
    for p in planned:
        if not config.campaign.allows(p.choice.address or ""):
            raise SafetyError(f"{p.site['_id']}: {p.choice.address} is outside the allowed domains")
    if not dry_run and planned:
        asyncio.run(_deliver(db, config, planned, clock, report))
    report.seconds = time.monotonic() - t0
    return report


def dry_run_text(report: SendReport) -> str:
    out = []
    for p in report.planned:
        assert p.message is not None
        out.append(f"=== {p.site['_id']} ({p.choice.source}: {p.choice.context or '-'})\n{render(p.message)}")
    for sid, why in report.skipped:
        out.append(f"--- {sid}: skipped: {why}")
    return "\n".join(out)
