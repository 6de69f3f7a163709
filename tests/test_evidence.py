"""Evidence: each run's homepage and column pages kept compressed, the homepage screenshot when rendering,
retrieved and pruned through `python -m govcrawl evidence`."""
from __future__ import annotations

import os
import subprocess
import sys
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from govcrawl import evidence, registry, render

from crawling import scrapy_crawl

ROOT = Path(__file__).resolve().parents[1]
RUN = "evidence-1"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcrawl", "evidence", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))


# ---------------------------------------------------------------------------------------------- pure


def test_ages():
    assert evidence.parse_age("90d") == timedelta(days=90)
    assert evidence.parse_age("36h") == timedelta(hours=36)
    assert evidence.parse_age("2w") == timedelta(days=14)
    assert evidence.parse_age("7") == timedelta(days=7)
    for bad in ("", "d", "90 days", "-3d"):
        with pytest.raises(evidence.EvidenceError):
            evidence.parse_age(bad)


def test_documents_compress_the_page_and_keep_the_png_as_is():
    body = ("<html><body>" + "政府信息公开 " * 500 + "</body></html>").encode("utf-8")
    page = {"run_id": "r", "site_id": "s", "url": "http://x.gov.cn/", "final_url": "http://x.gov.cn/", "role": "home",
            "status": 200, "fetched_at": datetime(2007, 12, 20, tzinfo=timezone.utc), "column": None}
    docs = evidence.documents(page, {"body": body, "encoding": "utf-8", "content_type": "text/html", "png": b"\x89PNG..",
                                     "rendered": True})
    html, png = docs
    assert html["_id"] == "r|html|http://x.gov.cn/" and png["_id"] == "r|png|http://x.gov.cn/"
    assert html["size"] == len(body) and len(html["data"]) < len(body) / 10
    assert evidence.data(html) == body and zlib.decompress(bytes(html["data"])) == body
    assert evidence.data(png) == b"\x89PNG.." and png["compression"] == "none"
    assert html["rendered"] and html["at"] == page["fetched_at"]
    assert evidence.documents(page, {"body": None, "png": None}) == []


def test_export_names_files_by_role_column_and_page(tmp_path):
    def doc(role, kind, url, column=None):
        return {"role": role, "kind": kind, "url": url, "column": column, "status": 200, "rendered": False,
                "compression": "none", "data": url.encode(), "at": datetime(2007, 12, 20, tzinfo=timezone.utc)}

    written = evidence.export([doc("home", "html", "h"), doc("home", "png", "p"),
                               doc("column", "html", "c1", {"name": "新闻 中心", "page": 1}),
                               doc("column", "html", "c2", {"name": "新闻 中心", "page": 2})], tmp_path)
    names = [p.name for p, _ in written]
    assert names == ["home.html", "home.png", "column-001-新闻-中心-p1.html", "column-002-新闻-中心-p2.html"]
    assert (tmp_path / "home.png").read_bytes() == b"p"
    assert len((tmp_path / "index.tsv").read_text("utf-8").splitlines()) == 5


# ---------------------------------------------------------------------------------------------- crawl


@pytest.fixture(scope="module")
def kept(sandbox, test_env):  # noqa: F811
    from govcrawl import store

    db = store.get_db()
    registry.load(db, registry.read_file(sandbox["registry_file"]))
    args = ["-a", f"run={RUN}", "-a", "only=lvyou,binxian"]
    if os.path.exists(render.DEFAULT_EXECUTABLE):
        args += ["-s", "GOVCRAWL_RENDER=auto"]  # lvyou's homepage is rendered: a screenshot
    scrapy_crawl(sandbox, *args)
    return db


@pytest.mark.integration
def test_homepage_and_column_pages_are_kept_for_every_site(kept):
    db = kept
    for sid in ("lvyou", "binxian"):
        pages = {p["url"] for p in db.pages.find({"run_id": RUN, "site_id": sid, "role": {"$in": ["home", "column"]}})}
        docs = list(db.evidence.find({"run_id": RUN, "site_id": sid, "kind": "html"}))
        assert {d["url"] for d in docs} == pages and len(pages) > 5, sid
        assert sum(d["size"] for d in docs) > 2 * sum(len(d["data"]) for d in docs)  # compressed
    assert db.evidence.count_documents({"run_id": RUN, "role": {"$nin": ["home", "column"]}}) == 0
    names = [tuple(ix["key"]) for ix in db.evidence.list_indexes()]
    assert ("at",) in names and ("site_id", "run_id") in names


@pytest.mark.integration
@pytest.mark.skipif(not os.path.exists(render.DEFAULT_EXECUTABLE), reason="chromium-headless-shell not installed")
def test_the_cli_writes_what_the_crawler_saw(kept, tmp_path):
    db = kept
    out = tmp_path / "lvyou"
    proc = cli("lvyou", "--run", RUN, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    n_columns = db.pages.count_documents({"run_id": RUN, "site_id": "lvyou", "role": "column"})
    assert f"{n_columns + 1} pages and 1 screenshot(s)" in proc.stdout
    home = (out / "home.html").read_text("utf-8")
    # The rendered DOM: the navigation the script built is in the kept page.
    assert 'class="nav_li"' in home and "<script" in home
    assert (out / "home.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert len(list(out.glob("column-*.html"))) == n_columns
    assert "home.png\tpng\t200\tTrue" in (out / "index.tsv").read_text("utf-8")
    # Without --run: the site's newest run.
    again = cli("binxian", "--out", str(tmp_path / "b"))
    assert again.returncode == 0 and f"run {RUN}" in again.stdout and (tmp_path / "b" / "home.html").exists()
    assert not (tmp_path / "b" / "home.png").exists()  # binxian was not rendered


@pytest.mark.integration
def test_unknown_site_or_run_is_a_clear_error(kept):
    proc = cli("binxian", "--run", "no-such-run")
    assert proc.returncode == 1 and "no evidence for site 'binxian' in run 'no-such-run'" in proc.stderr
    proc = cli("nosite")
    assert proc.returncode == 1 and "no evidence kept for site 'nosite'" in proc.stderr
    assert cli("prune").returncode == 2


@pytest.mark.integration
def test_prune_by_age(kept):
    db = kept
    total = db.evidence.count_documents({"run_id": RUN})
    proc = cli("prune", "--older-than", "90d")
    assert proc.returncode == 0 and proc.stdout.startswith("0 evidence documents")
    # Age binxian's evidence by 100 days: a 90-day prune deletes exactly those.
    old = datetime.now(timezone.utc) - timedelta(days=100)
    n_old = db.evidence.update_many({"run_id": RUN, "site_id": "binxian"}, {"$set": {"at": old}}).modified_count
    assert n_old > 5
    proc = cli("prune", "--older-than", "90d")
    assert proc.returncode == 0 and proc.stdout.startswith(f"{n_old} evidence documents")
    assert db.evidence.count_documents({"run_id": RUN}) == total - n_old
    assert db.evidence.count_documents({"run_id": RUN, "site_id": "binxian"}) == 0
