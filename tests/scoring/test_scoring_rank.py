from __future__ import annotations

from scoring import indicators, model, rank, stability
from scoring.indicators import SiteScore
from scoring.observations import SiteInput
from scoring_builders import snapshot
from test_scoring_indicators import site_of


def sc(sid, total, group="county", online=None, vetoed=False, grade=""):
    return SiteScore(sid, sid, group, "", total, {}, grade, [{"id": "V3"}] if vetoed else [], [], [],
                     {"online": total if online is None else online}, {}, [])


def test_ties_share_a_rank_in_a_fixed_order():
    rows = rank.rank_group([sc("d", 80), sc("b", 90, online=50), sc("a", 90, online=50), sc("c", 90, online=60), sc("e", 70)], 5)
    assert [(r.score.site_id, r.rank, r.tied) for r in rows] == [
        ("c", 1, True), ("a", 1, True), ("b", 1, True), ("d", 4, False), ("e", 5, False)]
    assert rows[0].label() == "1=" and rows[3].label() == "4"


def test_excellent_top_n_cut_by_the_tiebreak_and_never_vetoed_sites():
    rows = rank.rank_group([sc("a", 99, vetoed=True, grade="fail_veto"), sc("b", 90), sc("c", 80, online=70),
                            sc("d", 80, online=75), sc("e", 10)], 2)
    assert [r.score.site_id for r in rows][-1] == "a"  # vetoed sites after all others
    assert [r.score.site_id for r in rows if r.excellent] == ["b", "d"]
    assert [(r.score.site_id, r.rank, r.cut_by_tiebreak) for r in rows[1:3]] == [("d", 2, True), ("c", 2, True)]
    assert not rows[0].cut_by_tiebreak


def test_groups_ranked_apart_and_unreachable_listed_with_reason():
    ranked = rank.rank_all([sc("a", 50, "department"), sc("b", 60, "county")], 5)
    assert list(ranked) == ["county", "department"] and ranked["department"][0].rank == 1
    doc = snapshot("x", reachable=False, group="department")
    sites = [site_of(doc), SiteInput("y", "Y", "county", "http://y/", False,
                                     {"kind": "not_crawled", "reason": "窗口期内未抓取 not crawled in the window"})]
    out = rank.unreachable(sites)
    assert [u["site"] for u in out] == ["y", "x"]
    assert out[1]["reason"].startswith("域名无法解析") and out[1]["kind"] == "dns"


def test_stability_finds_fragile_ranks():
    m = model.load("xianyang-2007")
    sh = indicators.shares(m, {"online"})
    # two sites with opposite strengths and almost equal totals, one clear leader
    a = snapshot("a", quality=1.0, features=[], feature_names=[])
    b = snapshot("b", quality=0.85)
    c = snapshot("c", quality=0.2)
    scores = [indicators.score_weighted(m, site_of(d), vote_frac=None, sh=sh) for d in (a, b, c)]
    st = stability.stability(m, scores)
    assert st["c"]["stable"] and st["c"]["max_move"] == 0
    assert set(st) == {"a", "b", "c"}
    assert all(len(r["moves"]) == 2 * 6 for r in st.values())  # 5 indicators + online share, x0.8 and x1.2
    insp = model.load("gov-2019")
    from scoring import vetoes
    s2 = [vetoes.score_inspection(insp, site_of(d)) for d in (a, b, c)]
    st2 = stability.stability(insp, s2)
    assert st2["a"]["rank"] >= 1 and len(st2["a"]["moves"]) == 10


def test_close_sites_with_opposite_strengths_are_fragile():
    m = model.load("xianyang-2007")
    names = m.indicator_names
    def mk(sid, fr):
        parts = {"online": dict(zip(names, fr)), "experts": dict.fromkeys(names), "votes": None,
                 "shares": {"online": 1.0, "experts": 0.0, "votes": 0.0}}
        total = indicators.combine(m, parts, indicators.base_weights(m), parts["shares"])[1]
        return SiteScore(sid, sid, "county", "", round(total, 2), {}, "", [], [], [], {"online": total}, parts, [])
    x = mk("x", (1, .5, .5, .5, .5))      # 67.5: strong disclosure
    y = mk("y", (.5, 1, 1, .5, .5))       # 70.0: strong services and participation
    z = mk("z", (.1, .1, .1, .1, .1))     # 10.0
    st = stability.stability(m, [x, y, z], threshold=0)
    assert (st["y"]["rank"], st["x"]["rank"]) == (1, 2)
    assert st["x"]["moves"]["信息公开 x1.2"] == -1 and st["y"]["worst"] == "信息公开 x1.2"
    assert not st["x"]["stable"] and not st["y"]["stable"] and st["z"]["stable"]
