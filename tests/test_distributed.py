"""Two worker processes share one crawl of the sandbox through a real redis-server: every page is
fetched once, all pages land in one run, and the snapshots equal the ground truth (as a single
process's do, tests/test_crawl.py)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from govcrawl import registry
from sandbox import truth
from sandbox.profiles import build_profiles
from truthcheck import differences

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    exe = shutil.which("redis-server")
    assert exe, "redis-server is not installed: bash scripts/setup.sh"
    port = _free_port()
    d = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(d)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(10)


def test_two_workers_share_one_crawl(sandbox, redis_url, test_env):
    import redis

    from govcrawl import store

    db = store.get_db()
    registry.load(db, registry.read_file(sandbox["registry_file"]))
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "run=dist-1",
           "-s", f"GOVCRAWL_HOST_MAP={sandbox['hostmap_file']}", "-s", f"GOVCRAWL_EVAL_DATE={sandbox['eval_date']}",
           "-s", f"GOVCRAWL_REDIS_URL={redis_url}", "-s", "GOVCRAWL_REDIS_IDLE_SECONDS=3",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "LOG_LEVEL=INFO"]
    workers = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [w.communicate(timeout=600) for w in workers]
    for w, (_, err) in zip(workers, outs):
        assert w.returncode == 0, err[-3000:]
        assert "Spider error processing" not in err and "Error caught on signal handler" not in err, err[-3000:]
    # Both workers fetched pages (they really shared the crawl)...
    counts = [int(err.split("'downloader/response_count': ")[1].split(",")[0]) for _, err in outs]
    assert all(c > 100 for c in counts), counts
    # ...every page once, all in the same run...
    assert db.pages.count_documents({"run_id": "dist-1", "fetches": {"$gt": 1}}) == 0
    assert db.pages.count_documents({"run_id": "dist-1"}) > 3000
    run = db.runs.find_one({"_id": "dist-1"})
    assert run["status"] == "finished" and run["settings"]["distributed"] is True and run["attempts"] == 2
    # ...and the snapshots are those of a single-process crawl: equal to the ground truth.
    profiles = build_profiles(eval_date=date.fromisoformat(sandbox["eval_date"]))
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": "dist-1"})}
    assert len(snaps) == 59
    wrong = [d for p in profiles for d in differences(snaps[p.id], truth.expected(p))]
    assert not wrong, wrong[:10]
    # Link checks share their per-site budget too: never more per site than one process may check.
    limit = 100  # GOVCRAWL_LINK_CHECKS_PER_SITE
    per_site = {r["_id"]: r["n"] for r in db.pages.aggregate([{"$match": {"run_id": "dist-1", "role": "link"}},
                                                             {"$group": {"_id": "$site_id", "n": {"$sum": 1}}}])}
    assert per_site and max(per_site.values()) <= limit, per_site
    # The run's Redis keys are kept (late workers may join) until cleared.
    client = redis.Redis.from_url(redis_url)
    assert list(client.scan_iter(match="govcrawl:dist-1:*"))
    cleared = subprocess.run([sys.executable, "-m", "govcrawl", "redis", "clear", "dist-1", "--url", redis_url],
                             capture_output=True, text=True, timeout=60)
    assert cleared.returncode == 0 and "Redis keys deleted" in cleared.stdout
    assert not list(client.scan_iter(match="govcrawl:dist-1:*"))
    client.close()
