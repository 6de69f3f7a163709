"""``mailprobe collect``: fetch new mail over IMAP, store every raw message, judge, match, update probes.

Checkpoint: per (account, folder, UIDVALIDITY) the highest UID stored in ``messages``.  Batches
are stored in ascending UID order, so a connection dropped mid-batch loses nothing (the rest is
fetched next time) and nothing is stored twice (unique index on account+folder+uidvalidity+uid).
A changed UIDVALIDITY starts the folder over; already stored messages are recognised by their
Message-ID and content hash and not counted twice.  Probe results are recomputed from all of a
probe's messages, never incremented.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from bson import Binary
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from .classify import classify
from .config import Config
from .errors import CollectError
from .match import ProbeIndex, probe_result

logger = logging.getLogger(__name__)

BATCH = 200
#: Raw messages above this are stored cut (a MongoDB document holds at most 16 MB); the verdict is
#: made on the whole message first.
MAX_RAW = 12 * 1024 * 1024
DUPLICATE_KEY = 11000
FETCH_KEYS = [b"BODY.PEEK[]", b"INTERNALDATE"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class CollectReport:
    fetched: int = 0
    stored: int = 0
    matched: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    probes_updated: int = 0
    seconds: float = 0.0


def connect(config: Config, timeout: float = 30.0) -> IMAPClient:
    s = config.imap
    try:
        ctx = s.ssl_context()
        client = IMAPClient(s.host, port=s.port, ssl=s.security == "tls", ssl_context=ctx, timeout=timeout)
        client.normalise_times = False  # keep INTERNALDATE's timezone
        if s.security == "starttls":
            client.starttls(ctx)
        client.login(s.username, s.password.reveal())
    except LoginError:
        raise CollectError(f"IMAP login as {s.username} at {s.host}:{s.port} refused") from None
    except (IMAPClientError, OSError) as exc:
        raise CollectError(f"cannot open an IMAP session with {s.host}:{s.port}: {type(exc).__name__}: {exc}") from None
    return client


def checkpoint(db: Database, account: str, folder: str, uidvalidity: int) -> int:
    last = db.messages.find_one({"account": account, "folder": folder, "uidvalidity": uidvalidity},
                                sort=[("uid", -1)], projection={"uid": 1})
    return int(last["uid"]) if last else 0


def _aware(t: Any) -> dt.datetime | None:
    if isinstance(t, dt.datetime):
        return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
    return None


def judge_raw(raw: bytes, own: tuple[str, ...]) -> tuple[dict[str, Any] | None, str | None]:
    try:
        return classify(raw, own).to_json(), None
    except Exception as exc:  # keep the raw message; a later --reclassify retries
        logger.exception("classifier failed on a message")
        return None, f"{type(exc).__name__}: {exc}"


def _doc(account: str, folder: str, uidvalidity: int, uid: int, raw: bytes, internaldate: Any,
         index: ProbeIndex, own: tuple[str, ...], now: dt.datetime) -> dict[str, Any]:
    verdict, error = judge_raw(raw, own)
    at = _aware(internaldate)
    pid, how = index.match(verdict, at) if verdict else (None, None)
    return {
        "account": account, "folder": folder, "uidvalidity": uidvalidity, "uid": uid,
        "internaldate": at, "collected_at": now, "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest(),
        "raw": Binary(raw[:MAX_RAW]), "raw_truncated": len(raw) > MAX_RAW, "verdict": verdict, "classify_error": error, "judged_at": now if verdict else None,
        "probe_id": pid, "match": how,
    }


def _load_index(db: Database) -> ProbeIndex:
    return ProbeIndex.build(db.probes.find({}, {"token": 1, "message_id": 1, "to": 1, "sent_at": 1, "queued_at": 1}).sort("_id", 1))


def recompute(db: Database, config: Config, probe_ids: Iterable[str]) -> int:
    """Rewrite the ``result`` of these probes from all their messages (idempotent)."""
    ids = sorted({p for p in probe_ids if p})
    if not ids:
        return 0
    probes = {p["_id"]: p for p in db.probes.find({"_id": {"$in": ids}}, {"events": 0})}
    by_probe: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for m in db.messages.find({"probe_id": {"$in": ids}}, {"raw": 0}).sort([("internaldate", 1), ("uid", 1)]):
        by_probe.setdefault(m["probe_id"], []).append(m)
    ops = []
    for pid in ids:
        p = probes.get(pid)
        if p is None:
            continue
        res = probe_result(p, by_probe.get(pid, []), config.campaign.holidays, config.campaign.extra_workdays)
        ops.append(UpdateOne({"_id": pid}, {"$set": {"result": res}}))
    if ops:
        db.probes.bulk_write(ops, ordered=False)
    return len(ops)


def _known_elsewhere(db: Database, account: str, folder: str, uidvalidity: int) -> set[str]:
    """Hashes of messages stored under an older UIDVALIDITY of this folder (not to count twice)."""
    return {m["sha256"] for m in db.messages.find(
        {"account": account, "folder": folder, "uidvalidity": {"$ne": uidvalidity}}, {"sha256": 1}) if m.get("sha256")}


def collect_once(db: Database, config: Config, client: IMAPClient | None = None, *, batch: int = BATCH,
                 clock: Callable[[], dt.datetime] = utcnow) -> CollectReport:
    """One pass over the folder: new UIDs since the checkpoint, stored, judged, matched."""
    t0 = time.monotonic()
    report = CollectReport()
    own = (config.sender_address.lower(),)
    account, folder = config.account, config.folder
    close = client is None
    client = client or connect(config)
    touched: set[str] = set()
    try:
        try:
            info = client.select_folder(folder, readonly=True)
        except IMAPClientError as exc:
            raise CollectError(f"IMAP folder {folder!r} of {account}: {exc}") from None
        uidvalidity = int(info[b"UIDVALIDITY"])
        last = checkpoint(db, account, folder, uidvalidity)
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)  # "n:*" returns the max UID
        if uids:
            index = _load_index(db)
            older = _known_elsewhere(db, account, folder, uidvalidity) if last == 0 else set()
            for start in range(0, len(uids), batch):
                chunk = uids[start:start + batch]
                data = client.fetch(chunk, FETCH_KEYS)
                now = clock()
                docs = []
                for uid in sorted(data):
                    if uid <= last:
                        continue
                    item = data[uid]
                    raw = item.get(b"BODY[]") or b""
                    doc = _doc(account, folder, uidvalidity, uid, raw, item.get(b"INTERNALDATE"), index, own, now)
                    if doc["sha256"] in older:
                        doc["duplicate_of_older_uidvalidity"] = True
                        doc["probe_id"] = None
                    docs.append(doc)
                report.fetched += len(docs)
                if not docs:
                    continue
                try:
                    db.messages.insert_many(docs, ordered=True)
                    inserted = docs
                except BulkWriteError as exc:
                    errors = exc.details.get("writeErrors", [])
                    if any(e.get("code") != DUPLICATE_KEY for e in errors):
                        raise
                    dup = {e["index"] for e in errors}
                    inserted = [d for i, d in enumerate(docs) if i not in dup]
                    if dup:  # ordered insert stops at the first duplicate: store the rest one by one
                        inserted = []
                        for d in docs:
                            if db.messages.count_documents({"account": account, "folder": folder, "uidvalidity": uidvalidity, "uid": d["uid"]}, limit=1):
                                continue
                            db.messages.insert_one(d)
                            inserted.append(d)
                report.stored += len(inserted)
                for d in inserted:
                    kind = (d["verdict"] or {}).get("kind", "unjudged")
                    report.kinds[kind] = report.kinds.get(kind, 0) + 1
                    if d["probe_id"]:
                        report.matched += 1
                        touched.add(d["probe_id"])
                last = max(last, max(d["uid"] for d in docs))
    finally:
        if close:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                pass
    touched |= judge_pending(db, config)
    report.probes_updated = recompute(db, config, touched)
    report.seconds = time.monotonic() - t0
    return report


def judge_pending(db: Database, config: Config) -> set[str]:
    """Judge stored messages that have no verdict yet (classifier crashed, or a crash after storing)."""
    touched: set[str] = set()
    pending = list(db.messages.find({"verdict": None}, {"_id": 1}).sort("_id", 1))
    if not pending:
        return touched
    return reclassify(db, config, only_ids=[m["_id"] for m in pending])


def reclassify(db: Database, config: Config, only_ids: list[Any] | None = None) -> set[str]:
    """Re-judge stored raw messages with the current classifier and re-match them; returns touched probes."""
    own = (config.sender_address.lower(),)
    index = _load_index(db)
    query: dict[str, Any] = {"_id": {"$in": only_ids}} if only_ids is not None else {}
    touched: set[str] = set()
    ops = []
    now = utcnow()
    for m in db.messages.find(query, {"raw": 1, "internaldate": 1, "probe_id": 1, "duplicate_of_older_uidvalidity": 1}).sort("_id", 1):
        verdict, error = judge_raw(bytes(m["raw"]), own)
        pid, how = index.match(verdict, _aware(m.get("internaldate"))) if verdict else (None, None)
        if m.get("duplicate_of_older_uidvalidity"):
            pid, how = None, None
        if m.get("probe_id"):
            touched.add(m["probe_id"])
        if pid:
            touched.add(pid)
        ops.append(UpdateOne({"_id": m["_id"]}, {"$set": {
            "verdict": verdict, "classify_error": error, "judged_at": now if verdict else None, "probe_id": pid, "match": how}}))
        if len(ops) >= 500:
            db.messages.bulk_write(ops, ordered=False)
            ops = []
    if ops:
        db.messages.bulk_write(ops, ordered=False)
    return touched


def reclassify_all(db: Database, config: Config) -> int:
    touched = reclassify(db, config)
    all_probes = [p["_id"] for p in db.probes.find({}, {"_id": 1}).sort("_id", 1)]
    return recompute(db, config, set(all_probes) | touched)


def watch(db: Database, config: Config, *, idle_timeout: float = 5.0, duration: float | None = None,
          poll: float | None = None, clock: Callable[[], dt.datetime] = utcnow,
          on_report: Callable[[CollectReport], None] | None = None) -> CollectReport:
    """Keep collecting: IDLE with a short timeout, then re-search (Dovecot can miss a wake-up).

    ``poll`` (seconds) replaces IDLE with NOOP polling (faster and deterministic in tests).
    Stops after ``duration`` seconds, or on KeyboardInterrupt.
    """
    total = CollectReport()
    end = time.monotonic() + duration if duration is not None else None
    client = connect(config)
    try:
        while True:
            r = collect_once(db, config, client, clock=clock)
            total.fetched += r.fetched
            total.stored += r.stored
            total.matched += r.matched
            total.probes_updated += r.probes_updated
            for k, v in r.kinds.items():
                total.kinds[k] = total.kinds.get(k, 0) + v
            if on_report and r.stored:
                on_report(r)
            if end is not None and time.monotonic() >= end:
                break
            left = (end - time.monotonic()) if end is not None else idle_timeout
            wait = max(0.0, min(idle_timeout if poll is None else poll, left))
            if poll is not None:
                time.sleep(wait)
                client.noop()
            else:
                client.idle()
                try:
                    client.idle_check(timeout=wait)
                finally:
                    client.idle_done()
    except KeyboardInterrupt:
        pass
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            pass
    return total
