from __future__ import annotations

import pytest

from scoring import indicators, model, observations, vetoes
from scoring.observations import SiteInput, derive
from scoring_builders import checks, probe, snapshot


def site_of(doc, availability=None, probe_doc=None, experts=None, votes=None) -> SiteInput:
    return SiteInput(doc["site_id"], doc["name"], doc["group"], doc["url"], doc["reachable"], doc.get("failure"),
                     doc["run_id"], doc["started_at"].isoformat(), doc["eval_date"],
                     derive(doc, availability, probe_doc), list(doc.get("columns") or []), availability, probe_doc,
                     experts or {}, votes)


def avail(site_id, failures):
    rows = checks(site_id, failures=failures)
    return {"source": "checks", "samples": len(rows), "failures": failures, "avg_seconds": 0.5,
            "first_failure_at": rows[0]["at"].isoformat() if failures else None, "from": "a", "to": "b"}


@pytest.mark.parametrize("rule,value,expected", [
    ("present", True, 1.0), ("present", 0, 0.0), ("absent", False, 1.0),
    ({"linear": {"full": 3, "zero": 30}}, 3, 1.0), ({"linear": {"full": 3, "zero": 30}}, 16.5, 0.5),
    ({"linear": {"full": 3, "zero": 30}}, 99, 0.0), ({"linear": {"full": 1, "zero": 0}}, 4, 1.0),
])
def test_apply_rule(rule, value, expected):
    assert indicators.apply_rule(rule, value) == pytest.approx(expected)


def test_derive_traces_values_to_urls_and_dates():
    o = derive(snapshot("a", quality=0.5), avail("a", 14), probe("a"))
    assert o["disclosure:公开指南"].value is True and o["disclosure:公开指南"].url.endswith("/xxgk/0/")
    assert o["disclosure:统计信息"].value is False
    assert o["availability_failure_rate"].value == pytest.approx(0.1)
    assert "14 of 140 samples failed" in o["availability"].detail
    assert o["probe_replied"].value is True and o["probe_replied"].url == "mailto:ask@a.gov.cn"
    assert o["stale_columns"].value == 3 and "栏目0" in o["stale_columns"].detail
    assert o["reachable"].seen.startswith("2007-12-20")


def test_derive_leaves_out_what_was_not_observed():
    o = derive(snapshot("a"))
    assert "availability" not in o and "probe_replied" not in o and "messages_unanswered_90d" not in o
    waiting = derive(snapshot("a"), None, probe("a", outcome="waiting"))
    assert waiting["probe_outcome"].value == "waiting" and "probe_replied" not in waiting


def test_board_messages_unanswered_after_three_months():
    msgs = [{"title": "问路", "asked": "2007-07-01", "answered": None, "unit": None},
            {"title": "新问", "asked": "2007-12-01", "answered": None, "unit": None},
            {"title": "已答", "asked": "2007-10-01", "answered": "2007-10-11", "unit": "办公室"}]
    o = derive(snapshot("a", board_messages=msgs))
    assert o["messages_unanswered_90d"].value == 1 and "问路" in o["messages_unanswered_90d"].detail
    assert o["reply_lag_days_median"].value == 10 and o["latest_reply_age_days"].value == 70


def test_board_status_decides_and_letters_seen_twice_count_once():
    msgs = [{"title": "甲", "asked": "2007-07-01", "answered": None, "unit": None, "status": "unanswered", "url": "http://x/1.html"},
            {"title": "甲", "asked": "2007-07-01", "answered": None, "unit": None, "status": "unanswered", "url": "http://x/1.html", "detail": True},
            {"title": "乙", "asked": "2007-07-02", "answered": None, "unit": None, "status": "answered", "url": "http://x/2.html"},
            {"title": "丙", "asked": "2007-07-03", "answered": None, "unit": None, "status": None, "url": "http://x/3.html"},
            {"title": "丁", "asked": "2007-07-04", "answered": None, "unit": None, "status": "unanswered", "url": "http://x/4.html"},
            {"title": "丁", "asked": "2007-07-04", "answered": "2007-07-09", "unit": "办公室", "status": "answered", "url": "http://x/4.html", "detail": True}]
    o = derive(snapshot("a", board_messages=msgs))
    assert o["messages_published"].value == 4
    assert o["messages_unanswered_90d"].value == 1 and o["messages_unanswered_90d"].url == "http://x/1.html"
    assert o["reply_lag_days_median"].value == 5


def test_weighted_evidence_adds_up_to_the_total_and_better_sites_score_higher():
    m = model.load("xianyang-2007")
    sh = indicators.shares(m, {"online"})
    good = indicators.score_weighted(m, site_of(snapshot("g", quality=1.0)), vote_frac=None, sh=sh)
    poor = indicators.score_weighted(m, site_of(snapshot("p", quality=0.2)), vote_frac=None, sh=sh)
    assert good.total > poor.total + 30
    for s in (good, poor):
        assert sum(e["points"] or 0 for e in s.evidence) == pytest.approx(s.total, abs=0.05)
        assert sum(s.indicators.values()) == pytest.approx(s.total, abs=0.05)
        assert all(e["site"] == s.site_id and e["url"] and e["rule"] for e in s.evidence)
    # items on checks/probes are skipped (not zero) when there is no such data
    skipped = [e for e in good.evidence if e["points"] is None]
    assert {e["observation"] for e in skipped} >= {"availability", "probe_replied"}
    assert good.total == pytest.approx(100, abs=0.5)


def test_missing_checks_do_not_cost_points_but_failed_checks_do():
    m = model.load("xianyang-2007")
    sh = indicators.shares(m, {"online"})
    none = indicators.score_weighted(m, site_of(snapshot("a")), vote_frac=None, sh=sh)
    bad = indicators.score_weighted(m, site_of(snapshot("a"), avail("a", 14)), vote_frac=None, sh=sh)
    assert none.indicators["日常保障"] == pytest.approx(20)
    assert bad.indicators["日常保障"] < 17


def test_combination_of_experts_and_votes():
    m = model.load("xianyang-2007")
    sh = indicators.shares(m, {"online", "experts", "votes"})
    assert sh == pytest.approx({"online": 0.6, "experts": 0.3, "votes": 0.1})
    experts = {n: [("e1", 50.0), ("e2", 60.0), ("e3", 100.0)] for n in m.indicator_names}
    s = indicators.score_weighted(m, site_of(snapshot("a"), experts=experts, votes=10), vote_frac=0.5, sh=sh)
    assert s.components["experts"] == pytest.approx(30 * 70 / 100, abs=0.01)
    assert s.components["votes"] == pytest.approx(5)
    t = indicators.score_weighted(m, site_of(snapshot("a"), experts=experts, votes=10), vote_frac=0.5, sh=sh, trimmed=True)
    assert t.components["experts"] == pytest.approx(30 * 60 / 100, abs=0.01)
    assert sum(e["points"] or 0 for e in t.evidence) == pytest.approx(t.total, abs=0.05)


def test_votes_are_normalised_within_group():
    sites = [site_of(snapshot(i, group=g), votes=v) for i, g, v in (("a", "county", 10), ("b", "county", 40),
                                                                     ("c", "department", 5), ("d", "department", None))]
    assert indicators.vote_fractions(sites) == {"a": 0.25, "b": 1.0, "c": 1.0, "d": 0.0}


def test_gov2019_vetoes_each_with_evidence():
    m = model.load("gov-2019")
    cols = [{"name": f"新闻{i}", "url": f"http://x/c{i}/", "stale": True, "blank": False, "long_overdue": False,
             "age_days": 40, "level": 1, "class": "news"} for i in range(5)]
    doc = snapshot("v", columns=cols, future_items=[{"title": "未来", "url": "http://x/f.html", "date": "2008-03-01", "page": "http://x/"}])
    doc["freshness"].update(homepage_age_days=20, stale_columns=5)
    s = vetoes.score_inspection(m, site_of(doc, avail("v", 7)))
    assert {v["id"] for v in s.vetoes} == {"V2", "V3", "V4"}
    assert [f["id"] for f in s.flags] == ["V1"]
    assert s.grade == "fail_veto"
    v2 = next(v for v in s.vetoes if v["id"] == "V2")
    assert v2["evidence"][0]["value"] == 0.05 and "7 of 140" in v2["evidence"][0]["detail"]
    ok = vetoes.score_inspection(m, site_of(snapshot("ok"), avail("ok", 6)))
    assert ok.vetoes == [] and ok.flags == []


def test_v3_counts_an_undated_homepage_as_not_updated_and_v5_a_dead_mailbox():
    m = model.load("gov-2019")
    doc = snapshot("u", features=[], feature_names=["站内搜索"])  # e-mail is the only consultation channel
    doc["freshness"]["homepage_age_days"] = None
    s = vetoes.score_inspection(m, site_of(doc, None, probe("u", outcome="bounced")))
    assert {v["id"] for v in s.vetoes} == {"V3", "V5"}
    v5 = next(v for v in s.vetoes if v["id"] == "V5")
    assert v5["evidence"][0]["url"] == "mailto:ask@u.gov.cn"
    replied = vetoes.score_inspection(m, site_of(doc, None, probe("u", outcome="replied")))
    assert {v["id"] for v in replied.vetoes} == {"V3"}


def test_gov2019_column_is_not_penalised_twice_and_bonus_only_above_80():
    m = model.load("gov-2019")
    cols = [{"name": "政策文件", "url": "http://x/zcwj/", "stale": True, "blank": False, "long_overdue": True, "age_days": 400,
             "level": 1, "class": "notice_policy", "newest_date": "2006-11-15", "item_count": 3}]
    s = vetoes.score_inspection(m, site_of(snapshot("c", columns=cols)))
    col_ev = [e for e in s.evidence if e["observation"] == "column"]
    assert len(col_ev) == 1 and col_ev[0]["item"] == "政策文件栏目6个月未更新" and col_ev[0]["points"] == -5
    assert col_ev[0]["url"] == "http://x/zcwj/"
    assert s.components["deductions"] == 5 and s.components["bonus"] > 0  # 95 > 80: bonuses count
    assert s.total == pytest.approx(min(100 - 5 + 30, 95 + s.components["bonus"]))
    poor = vetoes.score_inspection(m, site_of(snapshot("p", quality=0.3)))
    assert poor.components["bonus"] == 0
    assert sum(e["points"] for e in poor.evidence) == pytest.approx(poor.total - 100, abs=0.05)
