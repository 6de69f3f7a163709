"""The sandbox's published boards (sandbox.boards): layouts, vocabulary, determinism, a world that moves on
with the evaluation date, and the truth's spread from prompt to V5-breaking sites."""
from __future__ import annotations

from datetime import date, timedelta

import lxml.html
import pytest

from sandbox.boards import LAYOUTS, board_of
from sandbox.profiles import build_profiles
from sandbox.render import render
from sandbox.truth import expected_board
from sandbox.vocab import TITLE_BANNED, disclosure_of, features_of

EVAL = date(2007, 12, 20)


@pytest.fixture(scope="module")
def profiles():
    return [p for p in build_profiles(eval_date=EVAL) if p.reachable]


def test_layouts_variants_and_forms_all_occur(profiles):
    boards = [board_of(p) for p in profiles]
    present = [b for b in boards if b]
    assert len(present) >= 30 and len(present) < len(boards)  # some sites publish no letters
    assert {b.layout for b in present} == set(LAYOUTS)
    assert {b.variant for b in present} == {"inline", "linked"}
    assert {b.form for b in present} == {"inline", "page"}
    assert any(b.real_name for b in present) and any(not b.real_name for b in present)
    assert any(b.captcha for b in present) and any(not b.captcha for b in present)
    assert all(b.page_count >= 3 for b in present)


def test_titles_carry_no_vocabulary_and_board_links_name_nothing(profiles):
    for p in profiles:
        b = board_of(p)
        if b is None:
            continue
        assert not [x.title for x in b.letters if any(w in x.title for w in TITLE_BANNED)], p.id
        paths = [b.entry, b.page_path(1), b.detail_path(b.published[0])] + ([b.write_path] if b.form == "page" else [])
        for path in paths:
            resp = render(p, path)
            assert resp.status == 200, (p.id, path)
            doc = lxml.html.fromstring(resp.body.decode(p.encoding))
            for a in doc.xpath("//div[@class='main clearfix']//a"):
                label = "".join(a.text_content().split())
                assert not disclosure_of(label) and not features_of(label), (p.id, path, label)


def test_same_seed_same_pages(profiles):
    again = {p.id: p for p in build_profiles(eval_date=EVAL)}
    for p in profiles[:12]:
        b = board_of(p)
        if b is not None:
            assert render(p, b.page_path(1)).body == render(again[p.id], b.page_path(1)).body


def test_a_later_date_shows_new_letters_and_late_replies(profiles):
    later = {p.id: p for p in build_profiles(eval_date=EVAL + timedelta(days=14))}
    moved = 0
    for p in profiles:
        b, b2 = board_of(p), board_of(later[p.id])
        if b is None:
            assert b2 is None
            continue
        assert b2.letters == b.letters  # the same world ...
        assert len(b2.published) >= len(b.published)  # ... with the letters asked since
        answered_now = {x.seq for x in b.published if b.shown_answer(x)}
        answered_later = {x.seq for x in b2.published if b2.shown_answer(x)}
        assert answered_now <= answered_later
        moved += len(answered_later - answered_now) > 0
    assert moved >= 10


def test_truth_spreads_from_prompt_to_v5(profiles):
    by_tier: dict[str, list[dict]] = {}
    for p in profiles:
        e = expected_board(p)
        if e["messages_seen"]:
            by_tier.setdefault(p.tier, []).append(e)
    assert all(e["lag_days"]["max"] <= 4 and e["unanswered_over_3_months_last_year"] == 0 for e in by_tier["excellent"])
    assert all(e["unanswered_over_3_months_last_year"] == 0 for e in by_tier["good"])
    assert all(e["unanswered_over_3_months_last_year"] >= 2 for e in by_tier["poor"] + by_tier["very_poor"])
    assert max(e["lag_days"]["median"] for e in by_tier["excellent"]) < min(e["lag_days"]["median"] for e in by_tier["poor"])


def test_pages_past_the_end_are_not_found(profiles):
    p = next(p for p in profiles if board_of(p))
    b = board_of(p)
    assert render(p, b.page_path(b.page_count)).status == 404
