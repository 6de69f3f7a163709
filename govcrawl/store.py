"""The one place that knows MongoDB: connection, the embedded server, collections and indexes.

With ``MONGO_URI`` set, govcrawl connects to that server and starts nothing.  Without it, an
embedded SecantusDB server (the MongoDB wire protocol over WiredTiger, GPL-2.0, so only ever run
as a separate process) is started on 127.0.0.1 with its data under ``var/db`` and reused by every
later command.  A file lock serialises starts, so two commands started at once share one server.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator

import pymongo
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import PyMongoError

logger = logging.getLogger(__name__)

#: Default database name; ``MONGO_DB`` overrides it (tests use their own).
DEFAULT_DB_NAME = "govcrawl"
#: Seconds to wait for a freshly started embedded server to answer.
START_TIMEOUT = 60.0


class StoreError(RuntimeError):
    """The database cannot be reached or started; the message says what to do."""


def var_dir() -> Path:
    """Where govcrawl keeps its local state (embedded database, job dirs): ``GOVCRAWL_VAR`` or ./var."""
    return Path(os.environ.get("GOVCRAWL_VAR") or Path(__file__).resolve().parents[1] / "var")


# --------------------------------------------------------------------------- embedded server


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    port: int
    data_dir: str

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"


class EmbeddedServer:
    """A SecantusDB process bound to 127.0.0.1 with its data under ``<var>/db``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or var_dir()) / "db"
        self.data_dir = self.root / "data"
        self.state_file = self.root / "server.json"
        self.lock_file = self.root / "start.lock"
        self.log_file = self.root / "server.log"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def info(self) -> ServerInfo | None:
        """The running server recorded in the state file, if its process is alive and answers."""
        try:
            raw = json.loads(self.state_file.read_text())
            info = ServerInfo(pid=int(raw["pid"]), port=int(raw["port"]), data_dir=str(raw["data_dir"]))
        except (OSError, ValueError, KeyError):
            return None
        if not _pid_alive(info.pid) or not _answers(info.uri, timeout=2.0):
            return None
        return info

    def start(self) -> ServerInfo:
        """Start the server, or return the one already running (safe to call concurrently)."""
        with self._locked():
            running = self.info()
            if running:
                return running
            self.data_dir.mkdir(parents=True, exist_ok=True)
            port = _free_port()
            cmd = [
                sys.executable, "-m", "secantus",
                "--host", "127.0.0.1", "--port", str(port),
                "--storage-path", str(self.data_dir),
                "--cache-size", "256M", "--log-level", "WARNING",
            ]
            pid = _spawn_detached(cmd, self.log_file)
            info = ServerInfo(pid=pid, port=port, data_dir=str(self.data_dir))
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(info.uri, timeout=1.0):
                if not _pid_alive(pid):
                    raise StoreError(f"the embedded database exited while starting; see {self.log_file}")
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGTERM)
                    raise StoreError(f"the embedded database did not answer within {START_TIMEOUT:.0f} s; see {self.log_file}")
                time.sleep(0.1)
            self.state_file.write_text(json.dumps({"pid": info.pid, "port": info.port, "data_dir": info.data_dir}))
            logger.info("started embedded database pid=%d at %s", info.pid, info.uri)
            return info

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop the server; returns False when none was running."""
        with self._locked():
            try:
                raw = json.loads(self.state_file.read_text())
                info = ServerInfo(pid=int(raw["pid"]), port=int(raw["port"]), data_dir=str(raw["data_dir"]))
            except (OSError, ValueError, KeyError):
                return False
            reset_clients(info.uri)  # our open connections would hold the server's shutdown
            stopped = False
            if _pid_alive(info.pid):
                os.kill(info.pid, signal.SIGTERM)
                deadline = time.monotonic() + timeout
                while _pid_alive(info.pid) and time.monotonic() < deadline:
                    time.sleep(0.1)
                if _pid_alive(info.pid):
                    os.kill(info.pid, signal.SIGKILL)
                stopped = True
            self.state_file.unlink(missing_ok=True)
            return stopped


def _spawn_detached(cmd: list[str], log_file: Path) -> int:
    """Start a server in its own session, outliving this process; returns its pid.

    A double fork leaves the server a child of init, so it is never a zombie of ours and no Popen
    object has to outlive this call.
    """
    r, w = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child
        try:
            os.close(r)
            os.setsid()
            pid = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(log_file, "ab"),
                                   stderr=subprocess.STDOUT, close_fds=True).pid
            os.write(w, str(pid).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as fh:
        data = fh.read()
    os.waitpid(child, 0)
    if not data.strip().isdigit():
        raise StoreError(f"could not start the embedded database; see {log_file}")
    return int(data)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _answers(uri: str, timeout: float) -> bool:
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=int(timeout * 1000), connectTimeoutMS=int(timeout * 1000))
        try:
            client.admin.command("ping")
            return True
        finally:
            client.close()
    except PyMongoError:
        return False


# --------------------------------------------------------------------------- connection


def mongo_uri(start: bool = True) -> str:
    """``MONGO_URI`` if set; otherwise the embedded server's URI (started if needed and ``start``)."""
    uri = os.environ.get("MONGO_URI")
    if uri:
        return uri
    server = EmbeddedServer()
    info = server.start() if start else server.info()
    if info is None:
        raise StoreError("the embedded database is not running: `python -m govcrawl db start`")
    return info.uri


_open_clients: dict[str, pymongo.MongoClient] = {}


def _client(uri: str) -> pymongo.MongoClient:
    client = _open_clients.get(uri)
    if client is None:
        client = _open_clients[uri] = pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=15000)
    return client



def reset_clients(uri: str | None = None) -> None:
    """Close the cached clients (of one server's ``uri``, or all) after a stop or a switch of database."""
    for key, client in list(_open_clients.items()):
        if uri is None or key == uri:
            client.close()
            del _open_clients[key]
    _ensure_indexes_once.cache_clear()


def get_db(name: str | None = None, *, indexes: bool = True) -> Database:
    """The govcrawl database (``MONGO_DB`` or 'govcrawl'), with its indexes created once per process."""
    uri = mongo_uri()
    db = _client(uri)[name or os.environ.get("MONGO_DB") or DEFAULT_DB_NAME]
    if indexes:
        _ensure_indexes_once(uri, db.name)
    return db


@cache
def _ensure_indexes_once(uri: str, db_name: str) -> None:
    ensure_indexes(_client(uri)[db_name])


# --------------------------------------------------------------------------- collections

#: Every collection govcrawl writes, with its indexes.  README.md documents the documents.
INDEXES: dict[str, list[IndexModel]] = {
    "sites": [IndexModel([("group", ASCENDING), ("_id", ASCENDING)])],
    "runs": [IndexModel([("spider", ASCENDING), ("started_at", DESCENDING)])],
    "pages": [
        IndexModel([("run_id", ASCENDING), ("url", ASCENDING)], unique=True),
        IndexModel([("run_id", ASCENDING), ("site_id", ASCENDING), ("role", ASCENDING)]),
    ],
    "snapshots": [
        IndexModel([("run_id", ASCENDING), ("site_id", ASCENDING)], unique=True),
        IndexModel([("site_id", ASCENDING), ("started_at", DESCENDING)]),
    ],
    "evidence": [
        IndexModel([("site_id", ASCENDING), ("run_id", ASCENDING)]),
        IndexModel([("at", ASCENDING)]),
    ],
    "checks": [
        IndexModel([("site_id", ASCENDING), ("at", DESCENDING)]),
        # scoring's rollup reads the checks that arrived since its last evaluation
        IndexModel([("at", ASCENDING)]),
        # one visit per site per uptime round (govcrawl.spiders.uptime)
        IndexModel([("round_id", ASCENDING), ("site_id", ASCENDING)], unique=True,
                   partialFilterExpression={"round_id": {"$type": "string"}}),
    ],
    # govcrawl.availability: one document per site per evaluation window
    "availability": [IndexModel([("window_end", DESCENDING), ("site_id", ASCENDING)])],
    # govcrawl.changes: the first time each homepage item was seen, per site
    "homepage_items": [IndexModel([("site_id", ASCENDING), ("first.at", DESCENDING)])],
    "probes": [
        IndexModel([("campaign", ASCENDING), ("site_id", ASCENDING)], unique=True),
        IndexModel([("token", ASCENDING)], unique=True),
    ],
    "messages": [
        IndexModel([("account", ASCENDING), ("folder", ASCENDING), ("uidvalidity", ASCENDING), ("uid", ASCENDING)], unique=True),
        IndexModel([("probe_id", ASCENDING)]),
    ],
    "experts": [IndexModel([("site_id", ASCENDING), ("expert", ASCENDING), ("indicator", ASCENDING)], unique=True)],
    "votes": [IndexModel([("site_id", ASCENDING)], unique=True)],
    "scores": [
        IndexModel([("model", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("eval_id", ASCENDING), ("site_id", ASCENDING)]),
        IndexModel([("kind", ASCENDING), ("day", ASCENDING)]),
    ],
}


def ensure_indexes(db: Database) -> None:
    """Create every collection's indexes (idempotent)."""
    for name, models in INDEXES.items():
        db[name].create_indexes(models)
