"""The HTML report opened in headless Chromium: tables and charts render, no console errors, no network."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scoring.__main__ import main

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium") if os.path.exists(p)), None)
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
#: Screenshots land in the repository's (ignored) var/ folder, to be looked at.
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_report_renders_in_chromium(world, tmp_path):
    from scoring_builders import AS_OF
    assert CHROMIUM, "Chromium is required (apt chromium-headless-shell)"
    out = tmp_path / "out"
    assert main(["export", "--model", "xianyang-2007", "--as-of", AS_OF, "--format", "html", "--out", str(out)]) == 0
    # a second evaluation compared to the first, so the change charts are drawn too
    assert main(["export", "--model", "xianyang-2007", "--as-of", AS_OF, "--format", "html,json", "--compare-to", "previous",
                 "--out", str(out)]) == 0
    report = out / "report.html"
    text = report.read_text("utf-8")
    assert "http://" not in text.split("<body>")[0] and "<script" not in text  # nothing to fetch, nothing to run
    from playwright.sync_api import sync_playwright
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri())
            assert page.title().endswith("政府网站考核评比结果")
            rows = page.locator("table.ranking[data-group=county] tbody tr")
            assert rows.count() == 8
            assert rows.nth(0).locator("td").nth(1).inner_text() == "站点qindu"
            assert page.locator("table.ranking[data-group=department] tbody tr").count() == 5
            assert page.locator("#unreachable tbody tr").count() == 2
            assert page.locator("#excellent tbody tr").count() == 10
            names = page.eval_on_selector_all("svg.chart", "els => els.map(e => e.getAttribute('aria-label'))")
            for wanted in ("县市区政府网站 - 总分", "各指标平均得分", "监测期内可用率", "邮件咨询回复率与回复时长", "名次变化", "权重±20%"):
                assert any(wanted in n for n in names), (wanted, names)
            # the charts have drawn something with a size
            box = page.locator("svg.chart").first.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100
            assert page.locator("svg.chart rect").count() > 50 and page.locator("svg.chart polyline").count() >= 3
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "scoring-report.png"), full_page=False)
            page.screenshot(path=str(SHOTS / "scoring-report-full.png"), full_page=True)
            page.locator("h2", has_text="各组总分").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "scoring-report-charts.png"))
        finally:
            browser.close()
    assert errors == []
    assert all(u.startswith("file://") for u in requests), requests
    data = json.loads((out / "scores.json").read_text("utf-8"))
    assert data["params"]["compare_to"]
