"""Scaling by processes: one shared crawl of the sandbox by 1 worker, then by 2 workers, through Redis.

    python bench/workers.py

Starts the sandbox, a redis-server and a private database; runs the same crawl with 1 worker and
with 2 workers (`scrapy crawl portals -s GOVCRAWL_REDIS_URL=...`), and prints pages/s of each
(pages over the span between the run's first and last fetched page, so process start-up and the
idle wait at the end do not count) and the ratio 2 workers / 1 worker (target >= 1.6 where the
second core is free: the sandbox server itself also needs CPU on a 2-core machine).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crawl(workers: int, run: str, state: dict, redis_url: str) -> None:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", f"run={run}",
           "-s", f"GOVCRAWL_HOST_MAP={state['hostmap_file']}", "-s", f"GOVCRAWL_EVAL_DATE={state['eval_date']}",
           "-s", f"GOVCRAWL_REDIS_URL={redis_url}", "-s", "GOVCRAWL_REDIS_IDLE_SECONDS=2",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
             for _ in range(workers)]
    for p in procs:
        if p.wait(900) != 0:
            raise SystemExit(f"a worker of run {run} exited with {p.returncode}")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="govcrawl-workers-"))
    os.environ["GOVCRAWL_VAR"] = str(tmp / "var")
    os.environ["MONGO_DB"] = "bench_" + secrets.token_hex(3)
    from govcrawl import registry, store
    from govcrawl.demo import start_sandbox

    port = _free_port()
    redis_proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    sandbox, state = start_sandbox(tmp / "sandbox")
    time.sleep(0.5)
    redis_url = f"redis://127.0.0.1:{port}/0"
    try:
        db = store.get_db()
        registry.load(db, registry.read_file(state["registry_file"]))
        crawl(1, "warm-up", state, redis_url)  # fills the sandbox's page cache
        rates = {}
        for n in (1, 2):
            run = f"workers-{n}"
            crawl(n, run, state, redis_url)
            times = [p["fetched_at"] for p in db.pages.find({"run_id": run, "status": {"$ne": None}}, {"fetched_at": 1})]
            span = (max(times) - min(times)).total_seconds()
            per_worker = list(db.runs.find({"_id": run}, {"attempts": 1}))[0]["attempts"]
            rates[n] = (len(times), span, per_worker)
    finally:
        sandbox.terminate()
        redis_proc.terminate()
        store.EmbeddedServer().stop()
    print(f"{'workers':<9}{'pages':>8}{'seconds':>10}{'pages/s':>10}")
    for n, (pages, span, _) in rates.items():
        print(f"{n:<9}{pages:>8}{span:>10.2f}{pages / span:>10.1f}")
    ratio = (rates[2][0] / rates[2][1]) / (rates[1][0] / rates[1][1])
    print(f"ratio 2 workers / 1 worker: {ratio:.2f} (target >= 1.6 where the second core is free)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
