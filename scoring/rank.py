"""Ranking per group: ties get the same rank (and are shown as ties), listed in a deterministic order;
the top N of each group are excellent; unreachable sites are listed apart with their reason, never ranked.

Order within a group: sites without a veto first, then total (rounded to 0.01) descending.  Sites with
the same total share a rank ("1, 2, 2, 4"); among them the listing order is fixed by the online
measurement (weighted models) or the smaller deduction (inspection models), then the site id.  The first
N sites of that order without a veto or a failing grade are excellent; when a tie straddles the N-th
place the tie-break decided, and the tied rows say so (``cut_by_tiebreak``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .indicators import SiteScore
from .observations import SiteInput


@dataclass
class Ranked:
    score: SiteScore
    rank: int
    tied: bool
    excellent: bool
    cut_by_tiebreak: bool = False

    def label(self, tie_mark: str = "=") -> str:
        return f"{self.rank}{tie_mark}" if self.tied else str(self.rank)


def _key(s: SiteScore) -> tuple[Any, ...]:
    return (s.vetoed, -round(s.total, 2))


def _tiebreak(s: SiteScore) -> tuple[Any, ...]:
    c = s.components
    secondary = -float(c.get("online", 0.0)) if "online" in c else float(c.get("deductions", 0.0))
    return (round(secondary, 6), s.site_id)


def rank_group(scores: Iterable[SiteScore], excellent_n: int = 5) -> list[Ranked]:
    ordered = sorted(scores, key=lambda s: (_key(s), _tiebreak(s)))
    out: list[Ranked] = []
    for i, s in enumerate(ordered):
        if i and _key(ordered[i - 1]) == _key(s):
            rank = out[-1].rank
        else:
            rank = i + 1
        out.append(Ranked(s, rank, False, False))
    counts: dict[int, int] = {}
    for r in out:
        counts[r.rank] = counts.get(r.rank, 0) + 1
    named = 0
    for r in out:
        r.tied = counts[r.rank] > 1
        eligible = not r.score.vetoed and r.score.grade not in ("fail", "fail_veto")
        r.excellent = eligible and named < excellent_n
        named += r.excellent
    for r in out:  # a tie cut by the N-th place: the tie-break decided, say so
        r.cut_by_tiebreak = r.tied and any(o.rank == r.rank and o.excellent != r.excellent for o in out)
    return out


def rank_all(scores: Iterable[SiteScore], excellent_n: int = 5) -> dict[str, list[Ranked]]:
    groups: dict[str, list[SiteScore]] = {}
    for s in scores:
        groups.setdefault(s.group, []).append(s)
    return {g: rank_group(groups[g], excellent_n) for g in sorted(groups, key=group_order)}


def group_order(g: str) -> tuple[int, str]:
    return ({"county": 0, "department": 1}.get(g, 2), g)


def unreachable(sites: Iterable[SiteInput]) -> list[dict[str, Any]]:
    """Sites that could not be opened (or were not crawled), with the reason, per group then id."""
    out = []
    for s in sorted((s for s in sites if not s.reachable), key=lambda s: (group_order(s.group), s.site_id)):
        f = s.failure or {}
        out.append({"site": s.site_id, "name": s.name, "group": s.group, "url": s.url,
                    "reason": f.get("reason") or f.get("kind") or "unreachable", "kind": f.get("kind"),
                    "detail": f.get("detail"), "status": f.get("status"), "seen": s.seen, "run_id": s.run_id})
    return out
