"""extract_page on real government pages (tests/fixtures/pages/real, labels in labels.json)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import pytest

from govcrawl.extract import extract_page

REAL = Path(__file__).parent / "fixtures" / "pages" / "real"
LABELS = {k: v for k, v in json.loads((REAL / "labels.json").read_text(encoding="utf-8")).items()
          if not k.startswith("_")}
NOW = date(2024, 7, 1)


@pytest.fixture(scope="module")
def facts() -> dict[str, dict]:
    return {name: extract_page((REAL / name).read_bytes(), lab["test_url"], now=NOW) for name, lab in LABELS.items()}


@pytest.mark.parametrize("name", sorted(LABELS))
@pytest.mark.parametrize("key", ["nav_columns", "site_name", "emails", "identity", "latest_item_date", "page_type"])
def test_labelled_fields(facts: dict[str, dict], name: str, key: str) -> None:
    assert facts[name][key] == LABELS[name][key]


@pytest.mark.parametrize("name", sorted(LABELS))
def test_published_date(facts: dict[str, dict], name: str) -> None:
    assert facts[name]["published_date"] == LABELS[name]["publish_date"]
    if LABELS[name]["publish_date"]:
        assert facts[name]["published_date_method"].startswith("label:")


@pytest.mark.parametrize("name", sorted(LABELS))
def test_json_serialisable_and_no_traps_invented(facts: dict[str, dict], name: str) -> None:
    json.dumps(facts[name], ensure_ascii=False)
    assert facts[name]["blank"] is False
    assert facts[name]["nav_script_built"] is False


def test_gzns_sub_menus_from_id_linked_panels(facts: dict[str, dict]) -> None:
    cols = facts["01-gzns-article-zbjj.html"]["columns"]
    by_parent: dict[str, list[str]] = {}
    for c in cols:
        if c["level"] == 2:
            by_parent.setdefault(c["parent"], []).append(c["name"])
    # <li id="17626"> ... <ul id="17626_ul">: 领导信息, 通知公告, ... (commented-out entries are not there)
    assert by_parent["政务公开"][:3] == ["领导信息", "通知公告", "区政府信息公开目录"]
    assert "人事信息" not in by_parent["政务公开"]
    assert by_parent["互动交流"][:2] == ["区长信箱", "在线调查"]
    # the left menu of the article's column, under the level-1 entry of the breadcrumb
    assert by_parent["投资南沙"][-3:] == ["国家政策", "省市政策", "本地政策"]
    # 首页 and links leaving the site (南沙动态 -> gznsnews.com, 政务服务 -> gdzwfw.gov.cn) are not columns
    names = {c["name"] for c in cols if c["level"] == 1}
    assert names.isdisjoint({"首页", "南沙动态", "政务服务"})
    assert {"政务公开", "互动交流"} <= names
    assert next(c for c in cols if c["name"] == "互动交流")["class"] == "interaction"
    assert next(c for c in cols if c["name"] == "通知公告")["class"] == "notice_policy"


def test_gzns_2024_sub_menus_from_sibling_panels(facts: dict[str, dict]) -> None:
    lab = LABELS["06-gzns-article-2024-tjj.html"]
    cols = facts["06-gzns-article-2024-tjj.html"]["columns"]
    for parent, kids in lab["sub_menus"].items():
        assert [c["name"] for c in cols if c["level"] == 2 and c["parent"] == parent] == kids


def test_ordos_list_page(facts: dict[str, dict]) -> None:
    name = "05-ordos-egb-list-xxgknb.html"
    lab, f = LABELS[name], facts[name]
    assert [it["date"] for it in f["items"]] == lab["item_dates"]
    assert len(f["items"]) == lab["item_count"]
    assert all(it["url"].startswith(lab["test_url"]) and it["title"] for it in f["items"])
    expected_pages = {k: (urljoin(lab["test_url"], v) if isinstance(v, str) else v) for k, v in lab["pagination"].items()}
    assert f["pagination"] == expected_pages
    side = [c for c in f["columns"] if c["level"] == 2]
    assert [c["name"] for c in side] == lab["side_menu"]
    assert {c["parent"] for c in side} == {lab["side_parent"]}
    assert f["breadcrumb"] == lab["breadcrumb"]
    assert set(lab["disclosure_includes"]) <= set(f["disclosure_categories"])


@pytest.mark.parametrize("name", ["05-ordos-egb-list-xxgknb.html", "06-gzns-article-2024-tjj.html"])
def test_features(facts: dict[str, dict], name: str) -> None:
    assert set(LABELS[name]["features_includes"]) <= set(facts[name]["interactive_features"])


def test_conac_script_alone_is_not_a_badge(facts: dict[str, dict]) -> None:
    # 01-04 only carry the document.write loader of the badge; 05-06 carry the badge link itself
    assert [facts[n]["identity"]["party_badge"] for n in sorted(LABELS)] == [False] * 4 + [True] * 2


def test_accuracy_report(facts: dict[str, dict]) -> None:
    """Per-field agreement with the labels over all real pages (printed with -s; all must agree)."""
    fields = ["nav_columns", "site_name", "publish_date", "latest_item_date", "emails", "identity", "page_type"]
    report = {}
    for field in fields:
        key = "published_date" if field == "publish_date" else field
        ok = sum(1 for n in LABELS if facts[n][key] == LABELS[n][field])
        report[field] = f"{ok}/{len(LABELS)}"
    print("real-page accuracy:", report)
    assert all(v.split("/")[0] == v.split("/")[1] for v in report.values())
