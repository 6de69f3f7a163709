"""Availability and the V2 veto on saved check lists (pure), and the stored per-window documents."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from govcrawl import availability as av
from govcrawl.availability import INSUFFICIENT, PASS, VETO

UTC = timezone.utc
END = datetime(2007, 12, 20, 16, 0, tzinfo=UTC)  # midnight in Asia/Shanghai


def week(per_day: int = 20, failures: int = 0, days: int = 7, gap_minutes: float | None = None,
         end: datetime = END, kind: str = "timeout") -> list[dict]:
    """``per_day`` visits a day (evenly spaced unless ``gap_minutes``) over ``days`` days before ``end``;
    the first ``failures`` of them fail."""
    out = []
    gap = timedelta(minutes=gap_minutes) if gap_minutes else timedelta(days=1) / per_day
    for d in range(days):
        day0 = end - timedelta(days=days - d) + timedelta(minutes=7)
        for i in range(per_day):
            out.append({"at": day0 + i * gap, "ok": True, "error_kind": None, "seconds": 0.5 + (i % 5) / 10})
    for c in out[:failures]:
        c.update(ok=False, error_kind=kind, seconds=None)
    return out


def test_twenty_visits_a_day_for_a_week_decide():
    assert av.availability(week(failures=7), END)["verdict"] == VETO  # 7 / 140 = 5.0 %: the veto line (>=)
    r = av.availability(week(failures=6), END)
    assert r["verdict"] == PASS and r["veto"] is False
    assert (r["visits"], r["failures"], r["share"], r["days_covered"]) == (140, 6, round(6 / 140, 4), 7)
    assert r["visits_per_day"] == 20.0 and r["kinds"] == {"timeout": 6}
    assert r["seconds"]["median"] == 0.7 and r["seconds"]["max"] == 0.9
    assert r["first_failure_at"] < r["last_failure_at"]


def test_too_few_or_bunched_visits_are_insufficient():
    few = av.availability(week(per_day=19, failures=19), END)
    assert few["verdict"] == INSUFFICIENT and few["veto"] is None and few["share"] == round(19 / 133, 4)
    short = av.availability(week(days=6), END)
    assert short["verdict"] == INSUFFICIENT and short["days_covered"] == 6
    # 40 visits a day, but all within one hour: 2 spaced visits a day (30 min apart) - not the rule's 20
    bunched = av.availability(week(per_day=40, gap_minutes=1.5), END)
    assert bunched["verdict"] == INSUFFICIENT and {d["spaced"] for d in bunched["days"]} == {2}
    assert av.availability([], END)["verdict"] == INSUFFICIENT and av.availability([], END)["share"] is None


def test_window_bounds_and_shanghai_days():
    checks = week()
    outside = [{"at": END - timedelta(days=7), "ok": False, "error_kind": "dns"},  # start is excluded
               {"at": END + timedelta(seconds=1), "ok": False, "error_kind": "dns"}]
    r = av.availability(checks + outside, END)
    assert r["visits"] == 140 and r["failures"] == 0
    assert [d["day"] for d in r["days"]] == [f"2007-12-{d}" for d in range(14, 21)]  # UTC 16:07 is the next day in Shanghai
    edge = av.availability([{"at": END, "ok": True}], END, timedelta(hours=1))
    assert edge["visits"] == 1 and edge["window"] == "1h"


def test_rules_are_data(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("min_visits_per_day: 5\nrequired_days: 2\nveto_failure_share: 0.5\nmin_spacing_minutes: 60\n")
    loose = av.load_rules(rules)
    r = av.availability(week(per_day=6, days=2, failures=5), END, rules=loose)
    assert r["verdict"] == PASS and r["days_covered"] == 2
    assert av.availability(week(per_day=6, days=2, failures=6), END, rules=loose)["verdict"] == VETO
    (tmp_path / "bad.yaml").write_text("veto_share: 0.1\n")
    with pytest.raises(ValueError, match="unknown key"):
        av.load_rules(tmp_path / "bad.yaml")
    assert av.load_rules().veto_failure_share == 0.05 and av.load_rules().min_visits_per_day == 20


def test_parse_window():
    assert av.parse_window("7d") == timedelta(days=7) and av.parse_window("72h") == timedelta(hours=72)
    assert av.window_label(av.parse_window("90m")) == "90m"
    with pytest.raises(ValueError):
        av.parse_window("week")


def test_stored_per_window_and_cli(db, capsys):
    from govcrawl import registry
    from govcrawl.__main__ import main

    registry.load(db, [registry.Site(id="a", name="甲局", group="department", url="http://www.a.gov.cn/"),
                       registry.Site(id="b", name="乙局", group="department", url="http://www.b.gov.cn/")])
    db.checks.insert_many([dict(c, site_id="a", round_id=f"r{i}") for i, c in enumerate(week(failures=10))]
                          + [dict(c, site_id="b", round_id=f"r{i}") for i, c in enumerate(week(per_day=3))])
    docs = av.evaluate(db, END)
    assert {d["site_id"]: d["verdict"] for d in docs} == {"a": VETO, "b": INSUFFICIENT}
    av.evaluate(db, END)  # same window end: replaced, not added
    assert db.availability.count_documents({}) == 2
    stored = db.availability.find_one({"site_id": "a"})
    assert stored["window_end"] == END and stored["failures"] == 10 and stored["name"] == "甲局"
    assert main(["availability", "--end", "2007-12-20T16:00:00", "--window", "3d", "--only", "a", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 1 and out[0]["visits"] == 60 and out[0]["verdict"] == INSUFFICIENT
    assert db.availability.count_documents({}) == 3
    assert main(["availability", "--end", "2007-12-20T16:00:00"]) == 0
    assert "1 veto, 0 pass, 1 insufficient data" in capsys.readouterr().out
