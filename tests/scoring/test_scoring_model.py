from __future__ import annotations

import copy

import pytest
import yaml

from scoring import model


def _data(name: str = "xianyang-2007") -> dict:
    return yaml.safe_load((model.builtin_dir() / f"{name}.yaml").read_text("utf-8"))


@pytest.mark.parametrize("name", ["xianyang-2007", "gov-2019"])
def test_builtin_models_load(name):
    m = model.load(name)
    assert m.name == name and len(m.indicator_names) == 5 and len(m.sha256) == 64


def test_presets_change_weights():
    m = model.load("xianyang-2007")
    w2006 = {i["name"]: i["weight"] for i in m.with_preset("2006").indicators}
    assert w2006 == {"信息公开": 40, "在线办事": 34, "公众参与": 20, "网站设计": 6, "日常保障": 0}
    with pytest.raises(model.ModelError, match="preset '1999' unknown"):
        m.with_preset("1999")


def test_unknown_observation_is_refused_with_its_place():
    d = _data()
    d["indicators"][1]["items"][0]["observation"] = "feature:传真"
    with pytest.raises(model.ModelError) as exc:
        model.from_data(d, "copy.yaml")
    assert "indicators[1] '在线办事'.items[0] '办事指南': unknown observation 'feature:传真'" in str(exc.value)


def test_weights_that_do_not_add_up_are_refused():
    d = _data()
    d["indicators"][0]["weight"] = 40
    d["combine"]["votes"] = 20
    problems = model.validate(d)
    assert any("indicator weights add up to 105, not 100" in p for p in problems)
    assert any("combine: weights add up to 110" in p for p in problems)


def test_duplicate_names_and_bad_rules_are_all_reported():
    d = _data()
    d["indicators"][2]["name"] = "信息公开"
    d["indicators"][0]["items"][1]["name"] = "公开指南"
    d["indicators"][0]["items"][2]["rule"] = {"linear": {"full": 1, "zero": 1}}
    problems = model.validate(d)
    assert "indicators: duplicate name '信息公开'" in problems
    assert any("items: duplicate name '公开指南'" in p for p in problems)
    assert any("full == zero" in p for p in problems)


def test_inspection_rules_must_name_a_model_indicator_and_known_ops():
    d = _data("gov-2019")
    d["deductions"][0]["indicator"] = "不存在"
    d["vetoes"][1]["when"]["any"][1]["op"] = "=~"
    d["vetoes"].append(copy.deepcopy(d["vetoes"][0]))
    problems = model.validate(d)
    assert any("indicator '不存在' is not one of" in p for p in problems)
    assert any("unknown op '=~'" in p for p in problems)
    assert "vetoes: duplicate name 'V1'" in problems


def test_a_copied_model_file_loads_by_path(tmp_path):
    d = _data()
    d["name"] = "my-city"
    d["combine"] = {"online": 100}
    p = tmp_path / "my.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), "utf-8")
    m = model.load(p)
    assert m.name == "my-city" and m.source == str(p)
    p.write_bytes("name: x\n".encode("gbk") + "说明: 中文\n".encode("gbk"))
    with pytest.raises(model.ModelError, match="not UTF-8"):
        model.load(p)
