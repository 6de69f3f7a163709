"""Rank stability: how far each site's rank moves when each weight changes by +-20 %.

For every weight (indicator weights and, for weighted models, the combination shares; for inspection
models each area's deductions and bonuses), the totals are recomputed with that weight x0.8 and x1.2 (the
others unchanged, weights renormalised to the model's scale) and the sites re-ranked per group.  A site's
rank is *stable* when its largest move is at most ``threshold`` places, else *fragile*.
"""
from __future__ import annotations

from typing import Any

from .indicators import SiteScore, recompute_totals, weight_keys
from .model import Model

FACTORS = (0.8, 1.2)


def _ranks(totals: dict[str, float], scores: list[SiteScore]) -> dict[str, int]:
    by_group: dict[str, list[SiteScore]] = {}
    for s in scores:
        by_group.setdefault(s.group, []).append(s)
    out: dict[str, int] = {}
    for members in by_group.values():
        ordered = sorted(members, key=lambda s: (s.vetoed, -round(totals[s.site_id], 2), s.site_id))
        prev, rank = None, 0
        for i, s in enumerate(ordered):
            key = (s.vetoed, round(totals[s.site_id], 2))
            if key != prev:
                rank = i + 1
            prev = key
            out[s.site_id] = rank
    return out


def stability(model: Model, scores: list[SiteScore], threshold: int = 1) -> dict[str, dict[str, Any]]:
    """Per site: base rank, largest move, the weight change that moves it most, stable or fragile."""
    keys = weight_keys(model, scores)
    base_tot = recompute_totals(model, scores, keys)
    base = _ranks(base_tot, scores)
    out = {s.site_id: {"rank": base[s.site_id], "max_move": 0, "worst": None, "moves": {}} for s in scores}
    for k, v in keys.items():
        for f in FACTORS:
            w = dict(keys)
            w[k] = v * f
            ranks = _ranks(recompute_totals(model, scores, w), scores)
            label = f"{k} x{f:g}"
            for sid, r in ranks.items():
                move = r - base[sid]
                rec = out[sid]
                rec["moves"][label] = move
                if abs(move) > rec["max_move"]:
                    rec["max_move"] = abs(move)
                    rec["worst"] = label
    for rec in out.values():
        rec["stable"] = rec["max_move"] <= threshold
    return out
