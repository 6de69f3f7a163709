from __future__ import annotations

import pytest

from scoring import imports, model
from scoring.__main__ import main

INDICATORS = model.load("xianyang-2007").indicator_names


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_experts_import_and_trimmed_mean_use(world, tmp_path):
    rows = ["site,expert,indicator,score"]
    rows += [f"qindu,e{i},信息公开,{s}" for i, s in enumerate((60, 70, 80, 90, 100), 1)]
    p = write(tmp_path, "experts.csv", "\n".join(rows) + "\n", "utf-8-sig")
    r = imports.import_experts(world, p, INDICATORS)
    assert (r.rows, r.sites, r.replaced) == (5, 1, 0)
    doc = world.experts.find_one({"site_id": "qindu", "expert": "e3"})
    assert doc["score"] == 80 and doc["source_line"] == 4
    assert imports.import_experts(world, p, INDICATORS).replaced == 5  # re-import replaces, never duplicates
    assert world.experts.count_documents({}) == 5


def test_chinese_headers_are_accepted(world, tmp_path):
    p = write(tmp_path, "e.csv", "网站,专家,指标,分数\nqindu,张三,在线办事,88\n")
    assert imports.import_experts(world, p, INDICATORS).rows == 1


def test_bad_experts_file_lists_every_problem_and_imports_nothing(world, tmp_path):
    p = write(tmp_path, "bad.csv", "site,expert,indicator,score\n"
                                   "qindu,e1,信息公开,80\n"
                                   "nosuch,e1,信息公开,80\n"
                                   "qindu,e1,信息公开,70\n"
                                   "qindu,e2,信息公开,120\n"
                                   "qindu,e3,颜值,50\n"
                                   "qindu,e4,信息公开,abc\n")
    with pytest.raises(imports.ImportRefused) as exc:
        imports.import_experts(world, p, INDICATORS)
    msg = str(exc.value)
    assert "bad.csv:4: duplicate of line 2" in msg
    assert "bad.csv:5: score 120 out of range 0-100" in msg
    assert "bad.csv:6: indicator '颜值' unknown" in msg
    assert "bad.csv:7: score 'abc' is not a number" in msg
    assert world.experts.count_documents({}) == 0
    # the unknown site is reported once the rest is clean, with its line
    p2 = write(tmp_path, "bad2.csv", "site,expert,indicator,score\nqindu,e1,信息公开,80\nnosuch,e1,信息公开,80\n")
    with pytest.raises(imports.ImportRefused, match=r"bad2.csv:3: unknown site 'nosuch'"):
        imports.import_experts(world, p2, INDICATORS)
    assert world.experts.count_documents({}) == 0


def test_gbk_csv_from_excel_is_refused_with_its_line(world, tmp_path):
    p = write(tmp_path, "gbk.csv", "site,expert,indicator,score\nqindu,e1,信息公开,80\n", "gbk")
    with pytest.raises(imports.ImportRefused) as exc:
        imports.import_experts(world, p, INDICATORS)
    assert "gbk.csv:2: not UTF-8" in str(exc.value) and "GBK/GB18030" in str(exc.value)
    assert world.experts.count_documents({}) == 0


def test_missing_columns_are_refused(world, tmp_path):
    p = write(tmp_path, "v.csv", "site,count\nqindu,3\n")
    with pytest.raises(imports.ImportRefused, match="v.csv:1: missing column"):
        imports.import_votes(world, p)


def test_votes_import_and_cli(world, tmp_path, capsys):
    p = write(tmp_path, "votes.csv", "site,votes\nqindu,120\nyongshou,80\nrenshi,30\n")
    assert main(["import", "votes", str(p)]) == 0
    assert "imported 3 votes rows" in capsys.readouterr().out
    assert world.votes.find_one({"_id": "qindu"})["votes"] == 120
    bad = write(tmp_path, "bad.csv", "site,votes\nqindu,-1\nqindu,2.5\n")
    assert main(["import", "votes", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv:2: votes '-1'" in err and "bad.csv:3" in err
    assert world.votes.find_one({"_id": "qindu"})["votes"] == 120


def test_a_failed_write_restores_what_was_there(world, tmp_path, monkeypatch):
    p = write(tmp_path, "votes.csv", "site,votes\nqindu,1\n")
    imports.import_votes(world, p)
    p2 = write(tmp_path, "votes2.csv", "site,votes\nqindu,500\nyongshou,7\n")
    from pymongo.collection import Collection
    from pymongo.errors import BulkWriteError
    real = Collection.bulk_write
    calls = {"n": 0}

    def flaky(self, ops, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            real(self, ops[:1], **kw)  # half written, then the server fails
            raise BulkWriteError({"writeErrors": [{"index": 1, "code": 1, "errmsg": "boom"}], "nInserted": 0})
        return real(self, ops, **kw)

    monkeypatch.setattr(Collection, "bulk_write", flaky)
    with pytest.raises(imports.ImportRefused, match="earlier rows were restored"):
        imports.import_votes(world, p2)
    monkeypatch.undo()
    assert world.votes.find_one({"_id": "qindu"})["votes"] == 1 and world.votes.find_one({"_id": "yongshou"}) is None


def test_expert_scores_and_votes_flow_into_the_evaluation(world, tmp_path):
    from scoring_builders import WORLD
    from scoring.evaluate import evaluate
    from test_scoring_db import END
    rows = ["site,expert,indicator,score"]
    for sid, _g, q in WORLD:
        if q is not None:
            rows += [f"{sid},e{e},{ind},{round(40 + 60 * q - e)}" for e in range(1, 6) for ind in INDICATORS]
    imports.import_experts(world, write(tmp_path, "e.csv", "\n".join(rows) + "\n"), INDICATORS)
    imports.import_votes(world, write(tmp_path, "v.csv", "site,votes\nqindu,100\nyongshou,50\n"))
    r = evaluate(world, model.load("xianyang-2007"), as_of=END, store=False)
    top = r["groups"]["county"][0]
    assert top["site"] == "qindu" and top["components"]["votes"] == pytest.approx(10)
    second = next(x for x in r["groups"]["county"] if x["site"] == "yongshou")
    assert second["components"]["votes"] == pytest.approx(5)
    assert top["components"]["experts"] == pytest.approx(30 * (100 - 3) / 100, abs=0.01)
    assert sum(e["points"] or 0 for e in top["evidence"]) == pytest.approx(top["total"], abs=0.05)
    assert not any(m.startswith("experts:") for m in r["missing"])
