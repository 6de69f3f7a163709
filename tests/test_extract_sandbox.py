"""extract_page against the sandbox's truth: every demo portal rendered in-process (no server).

The sandbox (sandbox.render / sandbox.truth) is the stand-in internet of the demo; its truth says what a
static crawl must find.  Here the pages are rendered by calling ``sandbox.render.render`` directly and
crawled the way the spider does (homepage, each column's list pages 1..3 following ``pagination.next``,
sub-columns from the side menu of level-1 column pages), and the extracted facts are compared.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from govcrawl.extract import extract_page

profiles_mod = pytest.importorskip("sandbox.profiles")
render_mod = pytest.importorskip("sandbox.render")
truth_mod = pytest.importorskip("sandbox.truth")

EVAL = date(2007, 12, 20)
MAX_LIST_PAGES = 3


def _fetch(profile: object, url: str) -> tuple[int, bytes, str, str | None]:
    for _ in range(4):
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        resp = render_mod.render(profile, target, scheme=parts.scheme)
        if resp.status in (301, 302) and resp.header("Location"):
            url = resp.header("Location")
            continue
        m = re.search(r"charset=([\w-]+)", resp.header("Content-Type") or "")
        return resp.status, resp.body, url, (m.group(1) if m else None)
    raise AssertionError(f"redirect loop at {url}")


def _list_pages(profile: object, url: str) -> list[dict]:
    out: list[dict] = []
    for _ in range(MAX_LIST_PAGES):
        status, body, final, charset = _fetch(profile, url)
        if status != 200:
            break
        facts = extract_page(body, final, now=EVAL, http_encoding=charset)
        out.append(facts)
        url = facts["pagination"]["next"]
        if not url:
            break
    return out


def _crawl(profile: object) -> dict:
    status, body, final, charset = _fetch(profile, f"{profile.scheme}://{profile.host}/")
    home = extract_page(body, final, now=EVAL, http_encoding=charset)
    columns = {c["url"]: dict(c) for c in home["columns"]}
    pages: dict[str, list[dict]] = {}
    seen = [home]
    for col in list(columns.values()):
        pages[col["url"]] = _list_pages(profile, col["url"])
        if col["level"] == 1 and pages[col["url"]]:
            for sub in pages[col["url"]][0]["columns"]:
                if sub["level"] == 2 and sub["url"] not in columns:
                    columns[sub["url"]] = dict(sub, parent=col["name"])
    for url in columns:
        if url not in pages:
            pages[url] = _list_pages(profile, url)
    seen += [p[0] for p in pages.values() if p]
    # the spider also follows the site map (a static page naming every column)
    for feature in home["features"]:
        if feature["name"] == "网站地图" and feature["url"]:
            status, body, final, charset = _fetch(profile, feature["url"])
            if status == 200:
                seen.append(extract_page(body, final, now=EVAL, http_encoding=charset))
    return {"home": home, "columns": columns, "pages": pages, "seen": seen}


def _reachable() -> list[object]:
    return [p for p in profiles_mod.build_profiles(eval_date=EVAL) if p.reachable]


@pytest.fixture(scope="module")
def crawled() -> dict[str, tuple[object, dict, dict]]:
    return {p.id: (p, truth_mod.expected(p, max_list_pages=MAX_LIST_PAGES), _crawl(p)) for p in _reachable()}


def _mismatches(crawled: dict, check) -> list[str]:
    bad = []
    for pid, (profile, exp, got) in sorted(crawled.items()):
        problem = check(exp, got)
        if problem:
            bad.append(f"{pid}: {problem}")
    return bad


def test_homepage_facts(crawled: dict) -> None:
    def check(exp: dict, got: dict) -> str | None:
        h = got["home"]
        latest = exp["homepage_latest_date"].isoformat() if exp["homepage_latest_date"] else None
        pairs = {"nav_columns": (h["nav_columns"], exp["nav_columns"]),
                 "nav_script_built": (h["nav_script_built"], exp["nav_script_built"]),
                 "site_name": (h["site_name"], exp["site_name"]),
                 "identity": (h["identity"], exp["identity"]),
                 "homepage_latest": (h["latest_item_date"], latest)}
        diff = {k: v for k, v in pairs.items() if v[0] != v[1]}
        return repr(diff) if diff else None

    assert _mismatches(crawled, check) == []


def test_column_tree(crawled: dict) -> None:
    def check(exp: dict, got: dict) -> str | None:
        want = {c["url"]: (c["name"], c["level"], c["parent"], c["class"]) for c in exp["columns"]}
        have = {u: (c["name"], c["level"], c["parent"], c["class"]) for u, c in got["columns"].items()}
        return None if want == have else repr(set(have.items()) ^ set(want.items()))

    assert _mismatches(crawled, check) == []


def test_column_freshness_counts_and_blanks(crawled: dict) -> None:
    def check(exp: dict, got: dict) -> str | None:
        problems = []
        for c in exp["columns"]:
            pages = got["pages"].get(c["url"]) or []
            items = [it for f in pages for it in f["items"]]
            dates = [it["date"] for it in items if it["date"] and it["date"] <= EVAL.isoformat()]
            newest = max(dates) if dates else None
            want_newest = c["newest_date"].isoformat() if c["newest_date"] else None
            blank = bool(pages) and pages[0]["blank"]
            if (len(items), newest, blank) != (c["item_count"], want_newest, c["blank"]):
                problems.append((c["name"], (len(items), newest, blank), (c["item_count"], want_newest, c["blank"])))
        return repr(problems) if problems else None

    assert _mismatches(crawled, check) == []


def test_disclosure_features_emails(crawled: dict) -> None:
    def check(exp: dict, got: dict) -> str | None:
        disc = set().union(*(f["disclosure_categories"] for f in got["seen"]))
        feat = set().union(*(f["interactive_features"] for f in got["seen"]))
        mails = set().union(*(f["emails"] for f in got["seen"]))
        diff = {k: (sorted(a - b), sorted(b - a)) for k, a, b in
                (("disclosure", disc, exp["disclosure"]), ("features", feat, exp["features"]),
                 ("emails", mails, exp["emails"])) if a != b}
        return repr(diff) if diff else None

    assert _mismatches(crawled, check) == []


def test_future_dated_items_are_reported(crawled: dict) -> None:
    def check(exp: dict, got: dict) -> str | None:
        want = {(it["url"], it["date"].isoformat()) for it in exp["future_items"]}
        have = {(it["url"], it["date"]) for pages in got["pages"].values() for f in pages for it in f["items"]
                if it["date"] and it["date"] > EVAL.isoformat()}
        have |= {(it["url"], it["date"]) for it in got["home"]["items"] if it["date"] and it["date"] > EVAL.isoformat()}
        return None if want <= have and (want or not have) else repr((sorted(want), sorted(have)))

    assert _mismatches(crawled, check) == []
