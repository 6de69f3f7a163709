"""``python -m scoring import experts|votes FILE.csv``: validated whole, refused with line numbers, all or nothing.

experts: columns ``site, expert, indicator, score`` (or 网站, 专家, 指标, 分数); score 0-100 for that indicator;
  the indicator must be one of the model's (default xianyang-2007).  A row replaces the same
  (site, expert, indicator) from an earlier import.
votes: columns ``site, votes`` (or 网站, 票数); a whole number >= 0; a row replaces the site's earlier votes.

Files must be UTF-8 (a BOM is fine).  GBK/GB18030 files, as Excel saves them on Chinese Windows, are refused
with the line of the first undecodable byte: re-save as "CSV UTF-8".  Unknown sites (not in the registry
nor in any snapshot), scores out of range, duplicate rows, missing columns: every problem is listed, and
nothing is written.  If a write fails half-way, the rows written are rolled back to what was there before.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import DeleteOne, ReplaceOne
from pymongo.database import Database
from pymongo.errors import PyMongoError

from govcrawl.textfiles import decode_utf8

from . import ScoringError

ALIASES = {
    "site": ("site", "site_id", "网站", "站点", "网站编号"),
    "expert": ("expert", "专家"),
    "indicator": ("indicator", "指标"),
    "score": ("score", "分数", "得分"),
    "votes": ("votes", "票数", "投票数"),
}
SCORE_RANGE = (0.0, 100.0)


class ImportRefused(ScoringError):
    """A CSV file was refused; ``problems`` lists (line, message); nothing was written."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{ln}: {msg}" if ln else f"{path}: {msg}" for ln, msg in problems[:50]]
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__("file refused, nothing was imported:\n  " + "\n  ".join(lines) + more)


@dataclass
class ImportResult:
    kind: str
    rows: int
    sites: int
    replaced: int


def decode(path: str, raw: bytes) -> str:
    """UTF-8 text (BOM stripped), or ImportRefused naming the line of the first bad byte and the likely encoding."""
    text, problem = decode_utf8(raw)
    if problem is not None:
        raise ImportRefused(path, [problem])
    return text


def _rows(path: str, text: str, needed: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused(path, [(None, "empty file")]) from None
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().lower()
        for canon, names in ALIASES.items():
            if key in names:
                cols[canon] = i
    lacking = [c for c in needed if c not in cols]
    if lacking:
        raise ImportRefused(path, [(1, f"missing column(s) {', '.join(lacking)}; header is {header} "
                                       f"(expected {', '.join(needed)})")])
    out = []
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        out.append((line, {c: (row[i].strip() if i < len(row) else "") for c, i in cols.items()}))
    if not out:
        raise ImportRefused(path, [(None, "no data rows")])
    return out


def known_sites(db: Database, ids: set[str]) -> set[str]:
    known = {d["_id"] for d in db.sites.find({"_id": {"$in": sorted(ids)}}, {"_id": 1})}
    rest = sorted(ids - known)
    if rest:
        known |= set(db.snapshots.distinct("site_id", {"site_id": {"$in": rest}}))
    return known


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def parse_experts(path: str, raw: bytes, indicators: list[str]) -> list[dict[str, Any]]:
    rows = _rows(path, decode(path, raw), ("site", "expert", "indicator", "score"))
    problems: list[tuple[int | None, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    docs = []
    for line, r in rows:
        site, expert, ind, score = r["site"], r["expert"], r["indicator"], r["score"]
        for k in ("site", "expert", "indicator", "score"):
            if not r[k]:
                problems.append((line, f"{k} is empty"))
        if not all(r[k] for k in ("site", "expert", "indicator", "score")):
            continue
        if ind not in indicators:
            problems.append((line, f"indicator {ind!r} unknown (the model's: {', '.join(indicators)})"))
        v = _number(score)
        if v is None:
            problems.append((line, f"score {score!r} is not a number"))
        elif not SCORE_RANGE[0] <= v <= SCORE_RANGE[1]:
            problems.append((line, f"score {v:g} out of range {SCORE_RANGE[0]:g}-{SCORE_RANGE[1]:g}"))
        key = (site, expert, ind)
        if key in seen:
            problems.append((line, f"duplicate of line {seen[key]} (site {site}, expert {expert}, indicator {ind})"))
        else:
            seen[key] = line
        docs.append({"_id": f"{site}|{expert}|{ind}", "site_id": site, "expert": expert, "indicator": ind,
                     "score": v, "line": line})
    if problems:
        raise ImportRefused(path, problems)
    return docs


def parse_votes(path: str, raw: bytes) -> list[dict[str, Any]]:
    rows = _rows(path, decode(path, raw), ("site", "votes"))
    problems: list[tuple[int | None, str]] = []
    seen: dict[str, int] = {}
    docs = []
    for line, r in rows:
        if not r["site"]:
            problems.append((line, "site is empty"))
            continue
        v = _number(r["votes"])
        if v is None or v < 0 or v != int(v):
            problems.append((line, f"votes {r['votes']!r} must be a whole number >= 0"))
        if r["site"] in seen:
            problems.append((line, f"duplicate of line {seen[r['site']]} (site {r['site']})"))
        else:
            seen[r["site"]] = line
        docs.append({"_id": r["site"], "site_id": r["site"], "votes": int(v) if v is not None and v == int(v) else None,
                     "line": line})
    if problems:
        raise ImportRefused(path, problems)
    return docs


def _check_sites(db: Database, path: str, docs: list[dict[str, Any]]) -> None:
    known = known_sites(db, {d["site_id"] for d in docs})
    problems = [(d["line"], f"unknown site {d['site_id']!r} (not in the registry nor in any crawl snapshot)")
                for d in docs if d["site_id"] not in known]
    if problems:
        raise ImportRefused(path, problems)


def _write(db: Database, coll: str, path: str, docs: list[dict[str, Any]], now: dt.datetime) -> int:
    """Replace the documents of these ids; on failure put back what was there (nothing half-imported)."""
    ids = [d["_id"] for d in docs]
    before = {d["_id"]: d for d in db[coll].find({"_id": {"$in": ids}}).sort("_id", 1)}
    ops = []
    for d in docs:
        doc = {k: v for k, v in d.items() if k != "line"}
        doc.update(source=path, source_line=d["line"], imported_at=now)
        ops.append(ReplaceOne({"_id": d["_id"]}, doc, upsert=True))
    try:
        for i in range(0, len(ops), 1000):
            db[coll].bulk_write(ops[i:i + 1000], ordered=True)
    except PyMongoError as exc:
        undo = [ReplaceOne({"_id": i}, before[i], upsert=True) if i in before else DeleteOne({"_id": i}) for i in ids]
        db[coll].bulk_write(undo, ordered=False)
        raise ImportRefused(path, [(None, f"the database refused the write ({exc}); the earlier rows were restored")]) from None
    return len(before)


def import_experts(db: Database, path: str | Path, indicators: list[str], now: dt.datetime | None = None) -> ImportResult:
    p = str(path)
    docs = parse_experts(p, Path(path).read_bytes(), indicators)
    _check_sites(db, p, docs)
    replaced = _write(db, "experts", p, docs, now or dt.datetime.now(dt.timezone.utc))
    return ImportResult("experts", len(docs), len({d["site_id"] for d in docs}), replaced)


def import_votes(db: Database, path: str | Path, now: dt.datetime | None = None) -> ImportResult:
    p = str(path)
    docs = parse_votes(p, Path(path).read_bytes())
    _check_sites(db, p, docs)
    replaced = _write(db, "votes", p, docs, now or dt.datetime.now(dt.timezone.utc))
    return ImportResult("votes", len(docs), len(docs), replaced)
