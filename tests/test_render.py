"""Rendering with real Chromium (chromium-headless-shell through scrapy-playwright) against the sandbox:
the script-built portals are fully crawled, only what needs it is rendered, and a failed rendering
falls back to the plain page with the reason recorded."""
from __future__ import annotations

import dataclasses
import os
from datetime import date

import pytest

from govcrawl import registry, render
from govcrawl.resolver import parse_host_map
from sandbox import truth
from sandbox.profiles import build_profiles

from crawling import scrapy_crawl
from truthcheck import differences

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not os.path.exists(render.DEFAULT_EXECUTABLE), reason="chromium-headless-shell not installed")]

SCRIPT_SITES = ("liquan", "wenhua", "lvyou")  # navigation built by script from inline JSON
MARKED = "wugong"  # a static HTTPS site marked `render: true` in the registry: every page rendered
STATIC = ("binxian", "qindu")
RUN = "render-1"


def _load_registry(db, state, marked: tuple[str, ...]) -> None:
    sites = [dataclasses.replace(s, render=s.id in marked) for s in registry.read_file(state["registry_file"])]
    registry.load(db, sites)


@pytest.fixture(scope="module")
def rendered(sandbox, test_env):  # noqa: F811
    from govcrawl import store

    db = store.get_db()
    _load_registry(db, sandbox, (MARKED,))
    only = ",".join(SCRIPT_SITES + (MARKED,) + STATIC)
    scrapy_crawl(sandbox, "-a", f"run={RUN}", "-a", f"only={only}", "-s", "GOVCRAWL_RENDER=auto",
                 "-s", "GOVCRAWL_RENDER_CONTEXT_PAGES=8")
    profiles = {p.id: p for p in build_profiles(eval_date=date.fromisoformat(sandbox["eval_date"]))}
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": RUN})}
    yield db, profiles, snaps
    _load_registry(db, sandbox, ())


def test_script_built_portals_are_fully_crawled(rendered):
    _, profiles, snaps = rendered
    for sid in SCRIPT_SITES:
        exp = truth.expected(profiles[sid], render=True)
        assert exp["columns"], sid
        assert differences(snaps[sid], exp) == [], sid
        # Without rendering the same site shows no navigation at all.
        assert truth.expected(profiles[sid])["columns"] == []


def test_other_sites_keep_their_static_facts(rendered):
    _, profiles, snaps = rendered
    for sid in STATIC + (MARKED,):
        assert differences(snaps[sid], truth.expected(profiles[sid])) == [], sid


def test_only_what_needs_it_is_rendered_and_nothing_twice(rendered):
    db, _, _ = rendered
    pages = list(db.pages.find({"run_id": RUN}, {"site_id": 1, "role": 1, "render": 1, "fetches": 1, "url": 1}))
    done = {(p["site_id"], p["role"]) for p in pages if (p.get("render") or {}).get("rendered")}
    assert done == {(sid, "home") for sid in SCRIPT_SITES} | {(MARKED, "home"), (MARKED, "column")}
    reasons = {(p["site_id"], p["render"]["reason"]) for p in pages if p.get("render")}
    assert reasons == {(sid, render.REASON_SCRIPT_NAV) for sid in SCRIPT_SITES} | {(MARKED, render.REASON_REGISTRY)}
    marked_columns = [p for p in pages if p["site_id"] == MARKED and p["role"] == "column"]
    assert len(marked_columns) > 10 and all(p["render"]["rendered"] for p in marked_columns)
    assert not [p for p in pages if p["site_id"] in STATIC and p.get("render")]
    # The plain fetch of a script-built homepage and its rendering are one page, fetched once.
    assert all(p.get("fetches", 1) == 1 for p in pages), [p["url"] for p in pages if p.get("fetches", 1) > 1]


def test_browser_memory_is_bounded(rendered):
    db, _, _ = rendered
    stats = db.runs.find_one({"_id": RUN})["stats"]
    assert stats["govcrawl_rendered_pages"] > 20
    assert stats["playwright_page_count_max_concurrent"] <= 4  # GOVCRAWL_RENDER_PAGES
    assert stats["playwright_context_count_max_concurrent"] <= 3  # old contexts drain while the new one opens
    assert stats["playwright_browser_count"] == 1  # one browser for http and https
    # A context is closed after 8 pages (GOVCRAWL_RENDER_CONTEXT_PAGES) and a fresh one opened.
    assert stats["govcrawl_render_contexts_closed"] >= 2
    assert stats["playwright_context_count"] >= stats["govcrawl_render_contexts_closed"]
    # Images, media, fonts and stylesheets were never loaded.
    assert stats.get("playwright_request_count_aborted", 0) > 0
    assert not stats.get("playwright_response_count_resource_type_image")


def test_rendered_homepages_leave_a_screenshot(rendered):
    db, _, _ = rendered
    shots = {d["site_id"]: d for d in db.evidence.find({"run_id": RUN, "kind": "png"})}
    assert set(shots) == set(SCRIPT_SITES) | {MARKED}
    assert all(bytes(d["data"]).startswith(b"\x89PNG\r\n\x1a\n") and d["size"] > 5000 for d in shots.values())


def test_a_failed_rendering_falls_back_to_the_plain_page(rendered, sandbox):  # noqa: F811
    db, profiles, _ = rendered
    _load_registry(db, sandbox, (MARKED,))
    # A page timeout of 1 ms: every rendering fails, the crawl goes on with the plain pages.
    scrapy_crawl(sandbox, "-a", "run=render-fail", "-a", f"only=liquan,{MARKED}", "-s", "GOVCRAWL_RENDER=auto",
                 "-s", "GOVCRAWL_RENDER_TIMEOUT=0.001")
    pages = list(db.pages.find({"run_id": "render-fail", "render": {"$ne": None}}))
    assert pages and not [p for p in pages if p["render"]["rendered"]]
    assert all("Timeout" in p["render"]["reason"] and p["status"] == 200 for p in pages), pages[0]["render"]
    home = db.pages.find_one({"run_id": "render-fail", "site_id": "liquan", "role": "home"})
    assert home["render"]["wanted"] == render.REASON_SCRIPT_NAV and home["fetches"] == 1
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": "render-fail"})}
    # What a static crawl sees: liquan without its script-built navigation, wugong complete.
    assert differences(snaps["liquan"], truth.expected(profiles["liquan"])) == []
    assert differences(snaps[MARKED], truth.expected(profiles[MARKED])) == []
    assert snaps["liquan"]["nav_script_built"] and snaps["liquan"]["nav_columns"] == []


def test_a_missing_browser_is_a_fallback_too(rendered, sandbox, tmp_path):  # noqa: F811
    db, profiles, _ = rendered
    scrapy_crawl(sandbox, "-a", "run=render-nobrowser", "-a", "only=lvyou", "-s", "GOVCRAWL_RENDER=auto",
                 "-s", f"GOVCRAWL_CHROMIUM={tmp_path / 'no-such-chromium'}", check=False)
    home = db.pages.find_one({"run_id": "render-nobrowser", "site_id": "lvyou", "role": "home"})
    assert home["status"] == 200 and home["render"]["rendered"] is False and home["render"]["reason"]
    snap = db.snapshots.find_one({"run_id": "render-nobrowser", "site_id": "lvyou"})
    assert differences(snap, truth.expected(profiles["lvyou"])) == []


# ---------------------------------------------------------------------------------------------- pure


def test_host_rules_map_each_scheme_port_and_refuse_the_rest():
    hm = parse_host_map({"www.a.gov.cn": {"80": "127.0.0.1:8080", "443": "127.0.0.1:8443"}, "www.b.gov.cn": "127.0.0.1:9"})
    assert render.host_rules(hm) == ("MAP www.a.gov.cn:80 127.0.0.1:8080, MAP www.a.gov.cn:443 127.0.0.1:8443, "
                                     "MAP www.b.gov.cn:80 127.0.0.1:9, MAP www.b.gov.cn:443 127.0.0.1:9, MAP * ~NOTFOUND")


def test_render_settings():
    from scrapy.settings import Settings

    from govcrawl import settings as project

    s = Settings({k: getattr(project, k) for k in dir(project) if k.isupper()})
    assert render.mode(s) == "off"  # the default: no browser, the static crawl
    s.set("GOVCRAWL_RENDER", "auto")
    assert render.mode(s) == "auto"
    with pytest.raises(ValueError):
        render.mode(Settings({"GOVCRAWL_RENDER": "sometimes"}))
    out = render.playwright_settings(s)
    assert out["DOWNLOAD_HANDLERS"]["https"] == out["DOWNLOAD_HANDLERS"]["http"] == "govcrawl.render.SharedPlaywrightHandler"
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    assert issubclass(render.SharedPlaywrightHandler, ScrapyPlaywrightDownloadHandler)
    assert out["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == render.DEFAULT_EXECUTABLE
    assert not any(a.startswith("--host-resolver-rules") for a in out["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"])
    assert render.context_kwargs(s)["ignore_https_errors"] is False  # certificates checked without a host map
    assert "govcrawl" in render.context_kwargs(s)["user_agent"]
    s.set("GOVCRAWL_HOST_MAP", '{"www.a.gov.cn": "127.0.0.1:1"}')
    assert render.context_kwargs(s)["ignore_https_errors"] is True
    assert "--host-resolver-rules=MAP www.a.gov.cn:80 127.0.0.1:1, MAP www.a.gov.cn:443 127.0.0.1:1, MAP * ~NOTFOUND" in \
        render.playwright_settings(s)["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]


def test_needs_render():
    assert render.needs_render("home", False, {"nav_script_built": True}) == render.REASON_SCRIPT_NAV
    assert render.needs_render("column", False, {"nav_script_built": True}) is None
    assert render.needs_render("home", False, {"nav_script_built": False}) is None
    assert render.needs_render("column", True, {}) == render.REASON_REGISTRY
    assert render.needs_render("article", True, {}) is None
