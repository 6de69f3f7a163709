"""Through the database: collect (aggregations on SecantusDB), evaluate, store, and the CLI."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from scoring_builders import AS_OF, WORLD, load_world
from scoring import evaluate as ev_mod, model, observations
from scoring.__main__ import main
from scoring_builders import T0

END = T0 + dt.timedelta(days=1)


def test_collect_reads_newest_snapshot_checks_and_probes(world):
    col = observations.collect(world, as_of=END)
    by = {s.site_id: s for s in col.sites}
    assert len(by) == len(WORLD) and by["qindu"].run_id == "run2"
    assert by["liangshi"].reachable is False and by["liangshi"].failure["kind"] == "dns"
    assert by["qindu"].availability["source"] == "checks" and by["qindu"].availability["samples"] == 140
    assert by["yongshou"].obs["availability_failure_rate"].value == pytest.approx(1 / 140, abs=1e-4)
    # no checks for the last sites: availability from the two crawl runs instead, and said so
    assert by["gongan"].availability["source"] == "runs" and by["gongan"].availability["samples"] == 2
    assert "checks" in by["gongan"].missing
    assert by["wugong"].probe is None and "probes" in by["wugong"].missing
    assert by["liquan"].obs["probe_bounced"].value is True
    assert sum(n for d in col.availability_by_day["county"].values() for n, _ in [d]) == 8 * 140
    assert col.inputs["runs"] == ["run2", "run1"] and col.inputs["checks"] == 10 * 140
    assert any(m.startswith("experts:") for m in col.missing)


def test_sites_with_no_snapshot_in_the_window_are_listed_not_dropped(world):
    world.sites.insert_one({"_id": "dizhen", "name": "市地震局", "group": "department", "url": "http://dz/", "active": True})
    col = observations.collect(world, as_of=END)
    d = next(s for s in col.sites if s.site_id == "dizhen")
    assert not d.reachable and d.failure["kind"] == "not_crawled"


def test_a_site_missing_from_the_newest_run_is_scored_on_its_older_snapshot(world):
    from scoring_builders import snapshot
    world.snapshots.insert_one(snapshot("lishi", quality=0.6, run_id="run1", started_at=T0 - dt.timedelta(days=10)))
    by = {s.site_id: s for s in observations.collect(world, as_of=END).sites}
    assert by["lishi"].run_id == "run1" and by["lishi"].reachable and by["qindu"].run_id == "run2"
    world.runs.update_one({"_id": "run2"}, {"$unset": {"site_ids": ""}})  # runs without site lists: same answer
    by = {s.site_id: s for s in observations.collect(world, as_of=END).sites}
    assert by["lishi"].run_id == "run1" and by["qindu"].run_id == "run2"


def test_no_run_in_the_window_is_an_error_that_says_what_to_do(world):
    with pytest.raises(observations.ScoringError, match="no crawl run between"):
        observations.collect(world, as_of=END + dt.timedelta(days=90))


def test_evaluate_ranks_per_group_and_stores_for_reproduction(world):
    m = model.load("xianyang-2007")
    r = ev_mod.evaluate(world, m, as_of=END, now=END)
    county = r["groups"]["county"]
    assert [x["site"] for x in county[:5]] == ["qindu", "yongshou", "weicheng", "wugong", "xunyi"]
    assert r["excellent"]["county"] == ["qindu", "yongshou", "weicheng", "wugong", "xunyi"]
    assert [x["site"] for x in r["groups"]["department"]][:2] == ["renshi", "weisheng"]
    assert [u["site"] for u in r["unreachable"]] == ["kexie", "liangshi"]
    assert all(x["site"] not in ("kexie", "liangshi") for x in r["groups"]["department"])
    doc = world.scores.find_one({"_id": r["id"]})
    assert doc["model"] == "xianyang-2007" and doc["model_version"] == "1" and doc["model_data"]["name"] == "xianyang-2007"
    assert doc["inputs"]["runs"] == ["run2", "run1"] and doc["ranking"]["county"][0]["site"] == "qindu"
    assert world.scores.count_documents({"eval_id": r["id"], "kind": "site"}) == 13
    # same inputs, same model -> same result
    again = ev_mod.evaluate(world, model.from_data(doc["model_data"]), as_of=END, store=False)
    assert [(x["site"], x["total"]) for x in again["groups"]["county"]] == [(x["site"], x["total"]) for x in county]
    # compare with the stored one
    cmp_ = ev_mod.evaluate(world, m, as_of=END, compare_to="previous", store=False)
    assert cmp_["params"]["compare_to"] == r["id"] and cmp_["groups"]["county"][0]["previous"]["rank_change"] == 0


def test_gov2019_through_the_database(world):
    r = ev_mod.evaluate(world, model.load("gov-2019"), as_of=END, store=False)
    rows = {x["site"]: x for rows in r["groups"].values() for x in rows}
    assert rows["qindu"]["grade"] in ("good", "excellent") and not rows["qindu"]["vetoes"]
    assert {v["id"] for v in rows["changwu"]["vetoes"]} >= {"V3"}
    assert rows["changwu"]["grade"] == "fail_veto" and not rows["changwu"]["excellent"]
    assert r["groups"]["county"][-1]["vetoes"]  # vetoed sites rank last


def test_cli_export_writes_every_format(world, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["export", "--model", "xianyang-2007", "--as-of", AS_OF, "--format", "csv,xlsx,html,json", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["unreachable"] == 2 and summary["groups"] == {"county": 8, "department": 5}
    data = json.loads((out / "scores.json").read_text("utf-8"))
    assert set(data) >= {"model", "groups", "unreachable"}
    first = data["groups"]["county"][0]
    assert set(first) >= {"site", "name", "total", "rank", "grade", "indicators", "vetoes", "evidence"}
    assert {e["site"] for e in first["evidence"]} == {"qindu"} and all(e["rule"] for e in first["evidence"])
    wb = load_workbook(out / "scores.xlsx")
    assert wb.sheetnames == ["县市区政府网站", "市直部门网站", "优秀网站", "无法打开的网站", "评分依据", "排名稳定性", "说明"]
    ws = wb["县市区政府网站"]
    assert [c.value for c in ws[2]][:8] == ["排名", "网站名称", "总分", "信息公开", "在线办事", "公众参与", "网站设计", "日常保障"]
    assert ws["B3"].value == "站点qindu" and ws.max_row == 2 + 8
    assert wb["无法打开的网站"].max_row == 3 and "域名无法解析" in wb["无法打开的网站"]["D2"].value
    assert wb["评分依据"].max_row > 13 * 40
    csv_text = (out / "scores.csv").read_text("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("类别,排名,网站名称,总分,信息公开")
    assert "report.html" in {p.name for p in out.iterdir()}


def test_cli_english_labels_and_errors(world, tmp_path, capsys):
    assert main(["export", "--model", "gov-2019", "--as-of", AS_OF, "--format", "xlsx", "--lang", "en", "--out", str(tmp_path), "--no-store"]) == 0
    assert load_workbook(tmp_path / "scores.xlsx").sheetnames[:2] == ["County_district governments", "City departments"]
    assert main(["export", "--model", "nope", "--format", "csv", "--out", str(tmp_path)]) == 1
    assert "no such model file" in capsys.readouterr().err
    assert main(["export", "--model", "gov-2019", "--format", "pdf", "--out", str(tmp_path)]) == 1


def test_scoring_works_with_snapshots_only(db):
    load_world(db, with_checks=False, with_probes=False)
    r = ev_mod.evaluate(db, model.load("xianyang-2007"), as_of=END, store=False)
    assert any(m.startswith("checks:") for m in r["missing"]) and any(m.startswith("probes:") for m in r["missing"])
    assert r["groups"]["county"][0]["site"] == "qindu"


def test_cli_preset_2006_has_no_upkeep_indicator(world, tmp_path):
    assert main(["export", "--model", "xianyang-2007", "--preset", "2006", "--as-of", AS_OF, "--format", "json",
                 "--out", str(tmp_path), "--no-store"]) == 0
    data = json.loads((tmp_path / "scores.json").read_text("utf-8"))
    assert data["model"]["preset"] == "2006"
    assert {i["name"]: i["weight"] for i in data["model"]["indicators"]}["在线办事"] == 34
    assert all(r["indicators"]["日常保障"] == 0 for rows in data["groups"].values() for r in rows)
    assert world.scores.count_documents({"kind": "evaluation"}) == 0  # --no-store
