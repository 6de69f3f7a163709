from __future__ import annotations

from openpyxl import load_workbook

from scoring_builders import WORLD
from scoring import demo


def test_sample_inputs_are_deterministic_and_follow_the_hints():
    snaps = [{"site_id": "a", "reachable": True}, {"site_id": "b", "reachable": True}, {"site_id": "x", "reachable": False}]
    hints = demo._hints({"a": "excellent", "b": "poor", "x": "unreachable"})
    e1, v1 = demo.sample_inputs(snaps, ["信息公开", "在线办事"], hints)
    assert (e1, v1) == demo.sample_inputs(snaps, ["信息公开", "在线办事"], hints)
    assert {r[0] for r in e1} == {"a", "b"} and len(e1) == 2 * 5 * 2
    mean = lambda s: sum(r[3] for r in e1 if r[0] == s) / 10  # noqa: E731
    assert mean("a") > mean("b") + 20
    assert dict(v1)["a"] > dict(v1)["b"]


def test_demo_run_imports_and_writes_both_reports(world, tmp_path):
    tiers = {sid: ("excellent" if q >= 0.9 else "good" if q >= 0.7 else "poor") for sid, _g, q in WORLD if q is not None}
    res = demo.run(world, "run2", tmp_path, sites_profiles=tiers)
    assert world.experts.count_documents({}) == 13 * 25 and world.votes.count_documents({}) == 13
    xy = res["models"]["xianyang-2007"]
    assert xy["excellent"]["county"][:2] == ["站点qindu", "站点yongshou"]
    assert len(xy["unreachable"]) == 2 and not any(m.startswith(("experts", "votes")) for m in xy["missing"])
    for name in ("xianyang-2007", "gov-2019"):
        wb = load_workbook(tmp_path / name / "scores.xlsx")
        assert "评分依据" in wb.sheetnames and (tmp_path / name / "report.html").stat().st_size > 10000
