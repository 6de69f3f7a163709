"""`scrapy crawl uptime` through the real engine against a flaky sandbox: flapping homepages, a homepage slower
than the limit, DNS, connect and TLS failures, error pages served with 200; counts compared with the
sandbox's failure schedule (sandbox.truth.expected_availability)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from govcrawl import failures, registry
from govcrawl.spiders.uptime import judge_page, round_id_for
from sandbox.profiles import build_profiles
from sandbox.server import Sandbox
from sandbox.truth import expected_availability

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

LIMIT = 1.5  # seconds (the product default is 15; the sandbox's delays are scaled down with it)
HANG = 2.0
ROUNDS = 10
SITES = ["qindu", "wugong", "jingyang", "tiyu", "fupin", "dangan", "anjian", "changwu",
         "liangshi", "kexie", "dizhen", "youzheng"]
TLS_SITE = "wugong"  # an HTTPS site whose port 443 is mapped to the plain HTTP port: the handshake fails
SLOW_SITE = "changwu"  # every homepage answer comes after the limit


def uptime(hostmap: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="govcrawl.settings")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "uptime", "-s", f"GOVCRAWL_HOST_MAP={hostmap}",
           "-s", f"GOVCRAWL_UPTIME_TIMEOUT={LIMIT}", "-s", "LOG_LEVEL=INFO", *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for marker in ("Spider error processing", "Error caught on signal handler", "Traceback"):
        assert marker not in proc.stderr, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def flaky(test_env, tmp_path_factory):
    from govcrawl import store

    profiles = build_profiles()
    by_id = {p.id: p for p in profiles}
    by_id["anjian"].slow_seconds = 0.5
    by_id[SLOW_SITE].slow_seconds = LIMIT + 0.5
    folder = tmp_path_factory.mktemp("uptime")
    with Sandbox(profiles, flaky=True, hang_seconds=HANG) as sb:
        hostmap = {h: {str(k): v for k, v in ports.items()} for h, ports in sb.hostmap().items()}
        hostmap[by_id[TLS_SITE].host]["443"] = f"127.0.0.1:{sb.http_port}"
        (folder / "hostmap.json").write_text(json.dumps(hostmap))
        (folder / "sites.yaml").write_text(yaml.safe_dump(sb.registry(), allow_unicode=True))
        db = store.get_db()
        for name in ("checks", "sites"):
            db[name].delete_many({})
        registry.load(db, registry.read_file(folder / "sites.yaml"))
        proc = uptime(folder / "hostmap.json", "-a", f"only={','.join(SITES)}", "-a", f"rounds={ROUNDS}", "-a", "interval=0")
        yield {"db": db, "profiles": by_id, "folder": folder, "sandbox": sb, "log": proc.stderr}


def test_one_check_per_site_per_round(flaky):
    db = flaky["db"]
    docs = list(db.checks.find({}, {"_id": 0}))
    assert len(docs) == ROUNDS * len(SITES), flaky["log"][-4000:]
    rounds = {d["round_id"] for d in docs}
    assert len(rounds) == ROUNDS
    for d in docs:
        assert d["at"].tzinfo is not None and set(d) >= {"site_id", "at", "round_id", "ok", "status", "seconds", "error_kind", "detail"}
        assert d["ok"] == (d["error_kind"] is None)
    # The sandbox saw exactly one homepage GET per flaky site per round (no robots.txt, no retry).
    visits = flaky["sandbox"].state()["homepage_visits"]
    assert visits == {sid: ROUNDS for sid in ("jingyang", "tiyu", "fupin", "dangan", "anjian", SLOW_SITE)}


def test_failures_follow_the_schedule(flaky):
    db, profiles = flaky["db"], flaky["profiles"]
    for sid in SITES:
        docs = list(db.checks.find({"site_id": sid}).sort("at", 1))
        kinds: dict[str, int] = {}
        for d in docs:
            if not d["ok"]:
                kinds[d["error_kind"]] = kinds.get(d["error_kind"], 0) + 1
        if sid == TLS_SITE:
            assert kinds == {failures.TLS: ROUNDS}, docs[0]["detail"]
            continue
        want = expected_availability(profiles[sid], ROUNDS, limit=LIMIT, hang_seconds=HANG)
        assert kinds == want["kinds"], (sid, [(d["error_kind"], d["detail"]) for d in docs if not d["ok"]])
    # the schedule really produced flapping (some rounds good, some bad) on the flaky sites
    assert 0 < db.checks.count_documents({"site_id": "jingyang", "ok": False}) < ROUNDS
    assert db.checks.count_documents({"site_id": "tiyu", "error_kind": failures.ERROR_PAGE}) >= 1


def test_seconds_are_measured_to_the_full_document(flaky):
    db = flaky["db"]
    slow = [d["seconds"] for d in db.checks.find({"site_id": "anjian", "ok": True})]
    fast = [d["seconds"] for d in db.checks.find({"site_id": "qindu", "ok": True})]
    assert len(slow) == ROUNDS and min(slow) >= 0.5 and sorted(fast)[len(fast) // 2] < 0.5
    for d in db.checks.find({"site_id": SLOW_SITE}):
        assert d["error_kind"] == failures.TIMEOUT and LIMIT * 0.9 <= d["seconds"] < LIMIT + 1.0


def test_a_round_started_again_adds_nothing(flaky):
    db = flaky["db"]
    rid = db.checks.find_one({"site_id": "qindu"}, sort=[("at", 1)])["round_id"]
    before = db.checks.count_documents({})
    proc = uptime(flaky["folder"] / "hostmap.json", "-a", "only=qindu,kexie,jingyang", "-a", f"round={rid}")
    assert db.checks.count_documents({}) == before
    assert "3 already checked" in proc.stderr
    # a new single round (slotted by the hour) adds one check per site, and a second start in the slot none
    uptime(flaky["folder"] / "hostmap.json", "-a", "only=qindu,kexie")
    uptime(flaky["folder"] / "hostmap.json", "-a", "only=qindu,kexie")
    assert db.checks.count_documents({}) == before + 2


def test_round_ids():
    from datetime import datetime, timezone

    t = datetime(2026, 11, 27, 18, 44, 33, 512000, tzinfo=timezone.utc)
    assert round_id_for(t, 3600) == "20261127T180000Z"
    assert round_id_for(t, 1800) == "20261127T183000Z"
    assert round_id_for(t, 0.001) == "20261127T184433.512Z"


@pytest.mark.parametrize("body, status, ctype, kind", [
    (b"<html><head><title>\xcf\xb5\xcd\xb3\xce\xac\xbb\xa4\xd6\xd0</title></head><body>x</body></html>" + b" " * 10, 200,
     "text/html; charset=gb2312", "error_page"),  # 系统维护中 in GB2312
    ("<html><body><p>网站维护中，请稍后访问。</p></body></html>".encode(), 200, "text/html; charset=utf-8", "error_page"),
    (b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>", 200, "text/html", "error_page"),
    (b"<html><head><title>Welcome to nginx!</title></head><body>If you see this page, the nginx web server is "
     b"successfully installed and working.</body></html>", 200, "text/html", "error_page"),
    (b"<html><body>   </body></html>", 200, "text/html", "empty_page"),
    (b"<html><script>var a = 'a long script that shows nothing at all on the page';</script></html>", 200, "text/html", "empty_page"),
    (b"", 503, "text/html", "http_status"),
    (b"<html>moved</html>", 302, "text/html", "http_status"),
])
def test_judge_page_failures(body, status, ctype, kind):
    ok, got, detail = judge_page(status, body, ctype)
    assert not ok and got == kind and detail


def test_judge_page_accepts_real_homepages():
    pages = sorted((FIXTURES / "pages" / "real").glob("*.html"))[:30]
    assert pages
    for page in pages:
        ok, kind, detail = judge_page(200, page.read_bytes(), "text/html")
        assert ok, (page.name, kind, detail)
    # a long homepage mentioning 404 or 维护 in its text is not an error page
    long = ("<html><head><title>某某县人民政府</title></head><body>" + "<p>关于做好网站维护工作的通知 2007-12-01</p>" * 40
            + "<p>联系电话 0404-404404</p></body></html>").encode()
    assert judge_page(200, long, "text/html; charset=utf-8")[0]


def test_control_endpoint_moves_the_clock_and_the_flaky_switch():
    import http.client

    from govcrawl.uptime_demo import control

    with Sandbox(build_profiles()) as sb:
        state = {"http_port": sb.http_port}
        assert control(state, "GET", "/state") == {"eval_date": "2007-12-20", "flaky": False, "hang_seconds": 16.0,
                                                   "homepage_visits": {}}

        def home(host: str) -> bytes:
            conn = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
            conn.request("GET", "/", headers={"Host": host})
            body = conn.getresponse().read()
            conn.close()
            return body

        before = home("www.jingyang.gov.cn")
        assert control(state, "POST", "/clock?date=2008-01-03")["eval_date"] == "2008-01-03"
        after = home("www.jingyang.gov.cn")
        assert before != after and "2008".encode() in after
        with pytest.raises(RuntimeError, match="400"):
            control(state, "POST", "/clock?date=2007-12-25")  # the clock only moves forward
        assert control(state, "POST", "/flaky?on=1&reset=1")["flaky"] is True
        for _ in range(3):
            home("www.jingyang.gov.cn")
        assert control(state, "GET", "/state")["homepage_visits"] == {"jingyang": 3}
        # the crawler cannot reach the control host: no host map lists it
        assert "sandbox.control" not in sb.hostmap()


def test_a_homepage_that_redirects_by_script_is_followed(test_env, tmp_path):
    """Many portals' index.html only sends the browser on by script: the visit follows it (once or twice)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from govcrawl import store

    pages = {"/": b"<html><head><script>window.location.href='/portal/index.html';</script></head><body></body></html>",
             "/portal/index.html": "<html><head><title>某市人民政府</title></head><body>".encode() + "<p>政务要闻 2007-12-20</p>".encode() * 20 + b"</body></html>",
             "/loop.html": b"<script>location.replace('/loop.html')</script>"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            host = self.headers.get("Host", "")
            body = pages["/loop.html"] if host.startswith("www.loop") else pages.get(self.path, b"")
            self.send_response(200 if self.path in pages or host.startswith("www.loop") else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        addr = f"127.0.0.1:{srv.server_address[1]}"
        (tmp_path / "hostmap.json").write_text(json.dumps({"www.jsredir.gov.cn": {"80": addr}, "www.loop.gov.cn": {"80": addr}}))
        db = store.get_db()
        db.checks.delete_many({"site_id": {"$in": ["jsredir", "loop"]}})
        registry.load(db, [registry.Site(id="jsredir", name="某市人民政府", group="county", url="http://www.jsredir.gov.cn/"),
                           registry.Site(id="loop", name="某县人民政府", group="county", url="http://www.loop.gov.cn/")])
        uptime(tmp_path / "hostmap.json", "-a", "only=jsredir,loop", "-a", "round=js-1")
    finally:
        srv.shutdown()
        srv.server_close()
    ok = db.checks.find_one({"site_id": "jsredir", "round_id": "js-1"})
    assert ok["ok"] and ok["final_url"] == "http://www.jsredir.gov.cn/portal/index.html"
    loop = db.checks.find_one({"site_id": "loop", "round_id": "js-1"})
    assert not loop["ok"] and loop["error_kind"] == failures.EMPTY_PAGE  # a redirect loop ends as what it shows
