"""Evidence: what the crawler saw, kept per run so an evaluator can show a site its own pages.

Each run keeps the homepage and every column list page of every site as fetched (the rendered DOM when
the page was rendered), zlib-compressed, and the homepage screenshot (PNG) when rendering was on, in
the ``evidence`` collection (one document per page and kind; a page is a few KB compressed, far below
MongoDB's 16 MB document limit, so GridFS is not needed).

    python -m govcrawl evidence SITE [--run RUN] [--out DIR]     # write the HTML files and the PNG
    python -m govcrawl evidence prune --older-than 90d            # delete evidence fetched before that

Document: {_id, run_id, site_id, url, final_url, role (home|column), column {name, page} | null,
kind (html|png), at (fetch time), status, content_type, encoding, rendered, size, compression
(zlib|none), data (bytes)}.
"""
from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bson.binary import Binary
from pymongo import ReplaceOne
from pymongo.database import Database

COLLECTION = "evidence"
_AGE_RE = re.compile(r"^\s*(\d+)\s*([dhw]?)\s*$", re.I)
_SLUG_RE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


class EvidenceError(ValueError):
    """Bad arguments or no evidence for what was asked."""


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h``, ``2w`` or a bare number of days.

    >>> parse_age("90d"), parse_age("12h"), parse_age("2w")
    (datetime.timedelta(days=90), datetime.timedelta(seconds=43200), datetime.timedelta(days=14))
    """
    m = _AGE_RE.match(text or "")
    if not m:
        raise EvidenceError(f"--older-than {text!r}: use a number of days (90d), hours (12h) or weeks (2w)")
    n, unit = int(m.group(1)), (m.group(2) or "d").lower()
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]


def documents(page: dict[str, Any], evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """The evidence documents of one fetched page (``page``: the pages document; ``evidence``: the
    spider's {body, encoding, content_type, png, rendered})."""
    column = page.get("column") or None
    base = {
        "run_id": page["run_id"], "site_id": page["site_id"], "url": page["url"], "final_url": page.get("final_url"),
        "role": page["role"], "column": column and {"name": column.get("name"), "page": column.get("page")},
        "at": page.get("fetched_at") or datetime.now(timezone.utc), "status": page.get("status"),
        "rendered": bool(evidence.get("rendered")),
    }
    out = []
    body = evidence.get("body")
    if body is not None:
        out.append({**base, "_id": f"{page['run_id']}|html|{page['url']}", "kind": "html",
                    "content_type": evidence.get("content_type"), "encoding": evidence.get("encoding"),
                    "size": len(body), "compression": "zlib", "data": Binary(zlib.compress(body, 6))})
    png = evidence.get("png")
    if png:
        out.append({**base, "_id": f"{page['run_id']}|png|{page['url']}", "kind": "png", "content_type": "image/png",
                    "encoding": None, "size": len(png), "compression": "none", "data": Binary(png)})
    return out


def upserts(docs: list[dict[str, Any]]) -> list[ReplaceOne]:
    """Idempotent writes (a resumed run rewrites a page's evidence, never duplicates it)."""
    return [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]


def data(doc: dict[str, Any]) -> bytes:
    raw = bytes(doc["data"])
    return zlib.decompress(raw) if doc.get("compression") == "zlib" else raw


def newest_run(db: Database, site_id: str) -> str | None:
    doc = db[COLLECTION].find_one({"site_id": site_id, "role": "home"}, {"run_id": 1}, sort=[("at", -1)])
    return doc and doc["run_id"]


def find(db: Database, site_id: str, run_id: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """A site's evidence of one run (default: its newest), homepage first, then columns by name and page."""
    run_id = run_id or newest_run(db, site_id)
    if run_id is None:
        raise EvidenceError(f"no evidence kept for site {site_id!r}")
    docs = list(db[COLLECTION].find({"site_id": site_id, "run_id": run_id}).sort([("role", -1), ("url", 1), ("kind", 1)]))
    if not docs:
        raise EvidenceError(f"no evidence for site {site_id!r} in run {run_id!r}: see `python -m govcrawl runs`")
    docs.sort(key=lambda d: (d["role"] != "home", ((d.get("column") or {}).get("name") or ""),
                             ((d.get("column") or {}).get("page") or 0), d["url"], d["kind"]))
    return run_id, docs


def _slug(text: str) -> str:
    return _SLUG_RE.sub("-", text or "").strip("-")[:40] or "page"


def export(docs: list[dict[str, Any]], out_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Write each document as a file (home.html, home.png, column-NNN-<name>-p<page>.html) plus
    index.tsv (file, kind, status, rendered, fetched at, URL); returns (path, doc) pairs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, dict[str, Any]]] = []
    n = 0
    for doc in docs:
        ext = "png" if doc["kind"] == "png" else "html"
        if doc["role"] == "home":
            name = f"home.{ext}"
        else:
            if doc["kind"] == "html":
                n += 1
            col = doc.get("column") or {}
            name = f"column-{n:03d}-{_slug(col.get('name') or '')}-p{col.get('page') or 1}.{ext}"
        path = out_dir / name
        path.write_bytes(data(doc))
        written.append((path, doc))
    lines = ["file\tkind\tstatus\trendered\tfetched_at\turl"]
    for path, doc in written:
        at = doc.get("at")
        lines.append(f"{path.name}\t{doc['kind']}\t{doc.get('status')}\t{doc.get('rendered')}\t"
                     f"{at.isoformat() if at else ''}\t{doc['url']}")
    (out_dir / "index.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    return written


def prune(db: Database, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete evidence fetched more than ``older_than`` ago; returns how many documents went."""
    cutoff = (now or datetime.now(timezone.utc)) - older_than
    return db[COLLECTION].delete_many({"at": {"$lt": cutoff}}).deleted_count
