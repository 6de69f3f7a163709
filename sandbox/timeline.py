"""The sandbox over time: the same 59 portals at a later evaluation date, and homepages that flap.

`advance(profiles, later)` turns the profiles of the default evaluation date into the same world on a later
date, deterministically from the seed and each calendar day:

* every column that is kept up to date (not blank, not deliberately stale) gains the items published on
  each day since, at its tier's pace (so the profiles of a date share every item of an earlier date and
  add newer ones);
* about half of the good, fair and poor sites withdraw one item that their first list page showed;
* the poor sites (and half of the very poor ones) re-date one old item to the new evaluation date, the
  forged "fresh" date an inspector flags;
* items dated after the new date stay flagged as future, the others lose the flag;
* about half of the good sites open a new top-level column (迎新春专栏) and about half of the fair ones
  close a small one nothing else links to.

`flap_at(profile, n)` is the failure schedule of a flaky homepage: whether the n-th homepage GET (0-based,
counted while the server is flaky) fails, and how.  In every block of 20 GETs exactly round(share x 20)
fail, at positions drawn from a seeded permutation.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from sandbox import titles
from sandbox.profiles import (
    _GAP_FACTOR,
    _NEWS_GAP,
    Column,
    Item,
    SiteProfile,
    _col_dir,
    _date_style,
    _make_item,
)

#: GETs per block of the flap schedule (the inspection's 20 visits a day).
FLAP_BLOCK = 20
#: Failure kinds a flaky homepage can show, and the error class an uptime check must record for each.
FLAP_KINDS = {
    "http_status": "http_status",  # 503 with an Apache error page
    "error_page": "error_page",  # 200 with a 系统维护 notice
    "empty_page": "empty_page",  # 200 with an empty body
    "reset": "connect",  # the connection is closed without an answer
    "timeout": "timeout",  # the answer comes after the server's hang delay (beyond the 15 s limit)
}
_OWN = ("list", "mailbox", "disclosure")


def flap_at(p: SiteProfile, n: int) -> str | None:
    """The failure kind of the n-th homepage GET of a flaky `p` (a key of FLAP_KINDS), or None if it succeeds."""
    if p.flap_share <= 0 or not p.flap_kinds:
        return None
    failing = round(p.flap_share * FLAP_BLOCK)
    block, pos = divmod(n, FLAP_BLOCK)
    order = random.Random(f"flap:{p.seed}:{p.id}:{block}").sample(range(FLAP_BLOCK), FLAP_BLOCK)
    if order.index(pos) >= failing:
        return None
    return p.flap_kinds[random.Random(f"flapkind:{p.seed}:{p.id}:{n}").randrange(len(p.flap_kinds))]


def advance(profiles: list[SiteProfile], later: date) -> list[SiteProfile]:
    """The profiles (built at their own evaluation date) moved to `later`, in place; returns them."""
    for p in profiles:
        if later <= p.eval_date:
            continue
        if p.reachable:
            _advance_site(p, later)
        p.eval_date = later
    return profiles


def _advance_site(p: SiteProfile, later: date) -> None:
    base = p.eval_date
    days = (later - base).days
    _columns_change(p)
    own = [c for c in p.columns if c.kind in _OWN]
    for ci, col in enumerate(own):
        if col.blank or col.stale:
            continue
        cls = col.cls if col.kind != "disclosure" else "notice_policy"
        per_day = 1.0 / (_NEWS_GAP[p.tier] * _GAP_FACTOR[cls])
        added: list[Item] = []
        for t in range(1, days + 1):
            day = base + timedelta(days=t)
            rng = random.Random(f"timeline:{p.seed}:{p.id}:{col.key}:{day.isoformat()}")
            n = int(per_day) + (1 if rng.random() < per_day - int(per_day) else 0)
            for k in range(n):
                title = titles.title(rng, p, col, day.year)
                added.append(_make_item(p, col, title, day, rng, 200_000 + t * 1000 + ci * 10 + k))
        if added:
            col.items = tuple(added) + col.items
    _withdraw(p, own)
    _redate(p, own, later)
    for col in own:
        col.items = tuple(sorted((replace(it, future=it.date > later) if it.future != (it.date > later) else it
                                  for it in col.items), key=lambda it: (it.date, it.time, it.seq), reverse=True))
    p.future_items = tuple(it for col in own for it in col.items if it.future)
    for col in p.columns:
        if col.kind == "aggregate":
            merged = [it for k in col.children for it in p.column(k).items]
            merged.sort(key=lambda it: (it.date, it.time, it.seq), reverse=True)
            col.items = tuple(merged)
            col.blank = not merged
    p.eval_date = later  # _date_style reads the evaluation year
    for col in p.columns:
        col.date_style = _date_style(p, p.list_style, col.items)
    p.articles = {it.url: it for col in p.columns if col.kind != "aggregate" for it in col.items}


NEW_COLUMN = ("yxczl", "迎新春专栏")


def _columns_change(p: SiteProfile) -> None:
    """About half of the good sites open a new top-level column (its items come with the other columns'); about
    half of the fair sites close a childless 'other' column that no block, feature or disclosure link uses."""
    rng = random.Random(f"columns:{p.seed}:{p.id}")
    roll = rng.random()
    if p.tier == "good" and roll < 0.5 and not any(c.key == NEW_COLUMN[0] for c in p.columns):
        col = Column(key=NEW_COLUMN[0], name=NEW_COLUMN[1], level=1, cls="news", parent=None, kind="list", dir="",
                     chan_id=max(c.chan_id for c in p.columns) + 7, page_size=p.columns[0].page_size)
        col.dir = _col_dir(p, col)
        p.columns = p.columns + (col,)
    elif p.tier == "fair" and roll < 0.5:
        used = set(p.home_blocks) | {link.path for link in p.features + p.disclosure_home + p.disclosure_page}
        pool = [c for c in p.columns if c.level == 1 and not c.children and c.kind == "list" and c.cls == "other"
                and c.key not in used and c.path not in used]
        if pool:
            gone = rng.choice(pool)
            p.columns = tuple(c for c in p.columns if c is not gone)


def _withdraw(p: SiteProfile, own: list[Column]) -> None:
    """About half of the good, fair and poor sites delete one item their first list page showed."""
    rng = random.Random(f"withdraw:{p.seed}:{p.id}")
    if p.tier not in ("good", "fair", "poor") or rng.random() >= 0.5:
        return
    pool = [c for c in own if not c.blank and len(c.items) >= 3]
    if not pool:
        return
    col = rng.choice(pool)
    gone = col.items[min(2, len(col.items) - 1)]
    col.items = tuple(it for it in col.items if it is not gone)


def _redate(p: SiteProfile, own: list[Column], later: date) -> None:
    """Poor sites (and half of the very poor ones) show an old item with the new date."""
    rng = random.Random(f"redate:{p.seed}:{p.id}")
    if not (p.tier == "poor" or (p.tier == "very_poor" and rng.random() < 0.5)):
        return
    pool = [c for c in own if not c.blank and len(c.items) >= 4 and not any(it.future for it in c.items)]
    if not pool:
        return
    col = rng.choice(pool)
    old = col.items[3]
    new = replace(old, date=later)
    col.items = tuple(new if it is old else it for it in col.items)

