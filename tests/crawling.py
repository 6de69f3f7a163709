"""Run `scrapy crawl portals` against the sandbox as a user would (a child process), for the crawl tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scrapy_crawl(state: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals",
           "-s", f"GOVCRAWL_HOST_MAP={state['hostmap_file']}", "-s", f"GOVCRAWL_EVAL_DATE={state['eval_date']}",
           "-s", "LOG_LEVEL=WARNING", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
        # Unreachable sites log download errors; our own code must log none.
        for marker in ("Spider error processing", "Error processing", "Error caught on signal handler", 'File "' + str(ROOT / "govcrawl")):
            assert marker not in proc.stderr, proc.stderr[-3000:]
    return proc
