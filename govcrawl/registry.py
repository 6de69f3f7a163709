"""The registry of portals to evaluate: read and validate a YAML or CSV file, store it in ``sites``.

A file is validated whole before anything is written, so a bad file loads nothing; every problem
is reported with its line.  Loading the same file twice writes nothing the second time.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import yaml
from pymongo import ReplaceOne
from pymongo.database import Database

from govcrawl.textfiles import decode_utf8

#: Groups every registry may use; GOVCRAWL_GROUPS (comma-separated) or a YAML ``groups:`` list adds more.
DEFAULT_GROUPS = ("county", "department")
REQUIRED = ("id", "name", "group", "url")
KNOWN = REQUIRED + ("emails", "notes", "render", "active")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class RegistryError(ValueError):
    """A registry file was refused; ``problems`` lists (line, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line}: {msg}" if line else f"{path}: {msg}" for line, msg in problems]
        super().__init__("registry file refused, nothing was loaded:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    group: str
    url: str
    emails: tuple[str, ...] = ()
    notes: str = ""
    render: bool = False
    active: bool = True
    line: int | None = field(default=None, compare=False)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.pop("line")
        doc["_id"] = doc.pop("id")
        doc["emails"] = list(self.emails)
        doc["host"] = self.host
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Site":
        return cls(id=doc["_id"], name=doc["name"], group=doc["group"], url=doc["url"],
                   emails=tuple(doc.get("emails") or ()), notes=doc.get("notes") or "",
                   render=bool(doc.get("render")), active=doc.get("active", True))


def allowed_groups(extra: Iterable[str] = ()) -> set[str]:
    env = [g.strip() for g in os.environ.get("GOVCRAWL_GROUPS", "").split(",") if g.strip()]
    return set(DEFAULT_GROUPS) | set(env) | set(extra)


# --------------------------------------------------------------------------- reading


def read_file(path: str | Path) -> list[Site]:
    """Parse and validate a registry file (.yaml/.yml or .csv); raise RegistryError listing every problem."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RegistryError(str(p), [(None, f"cannot read the file: {exc.strerror}")]) from exc
    text = _decode_utf8(str(p), raw)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows, groups = _yaml_rows(str(p), text)
    elif suffix == ".csv":
        rows, groups = _csv_rows(str(p), text), ()
    else:
        raise RegistryError(str(p), [(None, "unknown file type: use .yaml, .yml or .csv")])
    return validate_rows(str(p), rows, allowed_groups(groups))


def _decode_utf8(path: str, raw: bytes) -> str:
    text, problem = decode_utf8(raw)
    if problem is not None:
        raise RegistryError(path, [problem])
    return text


def _yaml_rows(path: str, text: str) -> tuple[list[tuple[int, dict]], tuple[str, ...]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RegistryError(path, [(mark.line + 1 if mark else None, f"invalid YAML: {getattr(exc, 'problem', exc)}")]) from None
    groups: tuple[str, ...] = ()
    node = root
    if isinstance(data, dict):
        groups = tuple(str(g) for g in data.get("groups") or ())
        if "sites" not in data:
            raise RegistryError(path, [(1, "expected a list of sites or a mapping with a 'sites' list")])
        node = next(v for k, v in root.value if k.value == "sites")
        data = data["sites"]
    if not isinstance(data, list):
        raise RegistryError(path, [(1, "expected a list of sites")])
    rows = []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise RegistryError(path, [(line, "each site must be a mapping of id, name, group, url, ...")])
        item = dict(item)
        item["__lines__"] = {k.value: v.start_mark.line + 1 for k, v in item_node.value}
        rows.append((line, item))
    return rows, groups


def _csv_rows(path: str, text: str) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RegistryError(path, [(1, f"missing column(s): {', '.join(missing)} (header must name {', '.join(KNOWN)})")])
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise RegistryError(path, [(reader.line_num, "more fields than the header names")])
        if not any((v or "").strip() for v in row.values()):
            continue
        rows.append((reader.line_num, row))
    return rows


# --------------------------------------------------------------------------- validating


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    s = str(value or "").strip().lower()
    if s in ("", "0", "false", "no", "n"):
        return False
    if s in ("1", "true", "yes", "y"):
        return True
    return None


def validate_rows(path: str, rows: list[tuple[int, dict]], groups: set[str]) -> list[Site]:
    problems: list[tuple[int | None, str]] = []
    sites: list[Site] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        field_lines = row.get("__lines__") or {}
        row = {str(k).strip().lower(): v for k, v in row.items() if k != "__lines__"}

        def at(name: str, _lines: dict = field_lines, _line: int = line) -> int:
            return _lines.get(name, _line)

        unknown = sorted(set(row) - set(KNOWN))
        if unknown:
            problems.append((line, f"unknown field(s): {', '.join(unknown)}"))
        missing = [c for c in REQUIRED if not str(row.get(c) or "").strip()]
        if missing:
            problems.append((line, f"missing {', '.join(missing)}"))
            continue
        sid = str(row["id"]).strip()
        if not ID_RE.match(sid):
            problems.append((at("id"), f"bad id {sid!r}: use lowercase letters, digits, '-' or '_'"))
        elif sid in first_line:
            problems.append((at("id"), f"duplicate id {sid!r} (first on line {first_line[sid]})"))
        else:
            first_line[sid] = at("id")
        group = str(row["group"]).strip()
        if group not in groups:
            problems.append((at("group"), f"unknown group {group!r} (allowed: {', '.join(sorted(groups))}; add one with GOVCRAWL_GROUPS)"))
        url = str(row["url"]).strip()
        url_problem = _url_problem(url)
        if url_problem:
            problems.append((at("url"), url_problem))
        emails_raw = row.get("emails") or []
        if isinstance(emails_raw, str):
            emails_raw = re.split(r"[;,\s]+", emails_raw)
        emails = tuple(e.strip().lower() for e in emails_raw if str(e).strip())
        bad = [e for e in emails if not EMAIL_RE.match(e)]
        if bad:
            problems.append((at("emails"), f"bad e-mail address {bad[0]!r}"))
        flags = {}
        for name, default in (("render", False), ("active", True)):
            value = _as_bool(row.get(name)) if row.get(name) not in (None, "") else default
            if value is None:
                problems.append((at(name), f"{name} must be true or false, not {row.get(name)!r}"))
                value = default
            flags[name] = value
        sites.append(Site(id=sid, name=str(row["name"]).strip(), group=group, url=url,
                          emails=tuple(dict.fromkeys(emails)), notes=str(row.get("notes") or "").strip(),
                          render=flags["render"], active=flags["active"], line=line))
    if not rows:
        problems.append((None, "the file lists no sites"))
    if problems:
        raise RegistryError(path, problems)
    return sites


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"bad url {url!r}: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"bad url {url!r}: must start with http:// or https://"
    host = (parts.hostname or "").lower()
    if not HOST_RE.match(host) or "." not in host:
        return f"bad url {url!r}: no valid host name"
    return None


# --------------------------------------------------------------------------- storing


@dataclass
class LoadResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def load(db: Database, sites: list[Site], now: datetime | None = None) -> LoadResult:
    """Upsert the sites; documents that did not change are not written at all."""
    now = now or datetime.now(timezone.utc)
    existing = {d["_id"]: d for d in db.sites.find({"_id": {"$in": [s.id for s in sites]}})}
    ops, result = [], LoadResult()
    for site in sites:
        doc = site.to_doc()
        old = existing.get(site.id)
        if old is not None:
            kept = {k: old.get(k) for k in doc}
            if kept == doc:
                result.unchanged += 1
                continue
            doc["added_at"] = old.get("added_at", now)
            result.updated += 1
        else:
            doc["added_at"] = now
            result.added += 1
        doc["updated_at"] = now
        ops.append(ReplaceOne({"_id": site.id}, doc, upsert=True))
    if ops:
        db.sites.bulk_write(ops, ordered=True)
    return result


def active_sites(db: Database, only: Iterable[str] | None = None) -> list[Site]:
    """Registered active sites sorted by id; ``only`` limits to those ids (unknown ids raise)."""
    query: dict[str, Any] = {"active": {"$ne": False}}
    wanted = [s for s in (only or []) if s]
    if wanted:
        query["_id"] = {"$in": wanted}
    sites = [Site.from_doc(d) for d in db.sites.find(query).sort("_id", 1)]
    if wanted:
        unknown = sorted(set(wanted) - {s.id for s in sites})
        if unknown:
            raise ValueError(f"unknown or inactive site id(s): {', '.join(unknown)}")
    return sites
