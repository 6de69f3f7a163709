"""Pure scoring: observations + model -> per-site scores, with the evidence behind every point.

Nothing here reads a database or a clock.  ``score_site`` dispatches on the model kind; weighted models are
scored here, inspection models in ``vetoes``.  Every evidence entry names the site, indicator, item, rule,
observation, value, URL and date seen, and the points won (``points``) out of ``max``; for a weighted
model the evidence points of a site add up to its total.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Mapping

from .model import Model, default_missing
from .observations import Obs, SiteInput


@dataclass
class SiteScore:
    site_id: str
    name: str
    group: str
    url: str
    total: float
    indicators: dict[str, float]
    grade: str = ""
    vetoes: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    components: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)


def rule_text(rule: Any) -> str:
    if isinstance(rule, dict) and "linear" in rule:
        return f"linear full@{rule['linear']['full']:g} zero@{rule['linear']['zero']:g}"
    return str(rule)


def apply_rule(rule: Any, value: Any) -> float:
    """The fraction (0..1) of an item's points that ``value`` earns under ``rule``."""
    if rule == "present":
        return 1.0 if value else 0.0
    if rule == "absent":
        return 0.0 if value else 1.0
    lin = rule["linear"]
    full, zero = float(lin["full"]), float(lin["zero"])
    v = float(value)
    f = (v - zero) / (full - zero)
    return max(0.0, min(1.0, f))


def _ev(site: SiteInput, indicator: str, item: str, rule: str, observation: str | None, o: Obs | None,
        points: float | None, max_points: float, note: str = "") -> dict[str, Any]:
    return {
        "site": site.site_id, "indicator": indicator, "item": item, "rule": rule, "observation": observation,
        "value": o.value if o else None, "url": (o.url if o else None) or site.url, "seen": (o.seen if o else None) or site.seen,
        "source": o.source if o else None, "detail": note or (o.detail if o else ""),
        "points": None if points is None else round(points, 4), "max": round(max_points, 4),
    }


def online_fractions(model: Model, site: SiteInput) -> tuple[dict[str, float], dict[str, list[tuple[dict[str, Any], float | None]]]]:
    """Per indicator the share (0..1) of its judged item points won, and per item (item, fraction or None=skipped)."""
    fracs: dict[str, float] = {}
    items: dict[str, list[tuple[dict[str, Any], float | None]]] = {}
    for ind in model.indicators:
        won = judged = 0.0
        rows = []
        for it in ind["items"]:
            o = site.obs.get(it["observation"])
            if o is None or o.value is None:
                if (it.get("missing") or default_missing(it["observation"])) == "skip":
                    rows.append((it, None))
                    continue
                f = 0.0
            else:
                f = apply_rule(it["rule"], o.value)
            won += it["points"] * f
            judged += it["points"]
            rows.append((it, f))
        fracs[ind["name"]] = won / judged if judged else 0.0
        items[ind["name"]] = rows
    return fracs, items


def expert_fractions(model: Model, site: SiteInput, trimmed: bool) -> dict[str, float | None]:
    """Per indicator the experts' mean score / 100 (trimmed: drop the highest and lowest when >= 3 scores)."""
    out: dict[str, float | None] = {}
    for name in model.indicator_names:
        rows = site.experts.get(name) or []
        out[name] = expert_mean([v for _e, v in rows], trimmed) / 100.0 if rows else None
    return out


def expert_mean(scores: list[float], trimmed: bool) -> float:
    vals = sorted(scores)
    if trimmed and len(vals) >= 3:
        vals = vals[1:-1]
    return statistics.fmean(vals)


def shares(model: Model, available: set[str]) -> dict[str, float]:
    """The combination weights (fractions) over the inputs that exist, renormalised."""
    comb = {k: float(v) for k, v in (model.data.get("combine") or {"online": 100}).items() if v}
    use = {k: v for k, v in comb.items() if k in available or k == "online"}
    s = sum(use.values())
    return {k: use.get(k, 0.0) / s for k in ("online", "experts", "votes")}


def combine(model: Model, parts: Mapping[str, Any], weights: Mapping[str, float], sh: Mapping[str, float]) -> tuple[dict[str, float], float, dict[str, float]]:
    """(indicator points, total, components) from fractions, indicator weights and combination shares."""
    ind_points: dict[str, float] = {}
    online = experts = 0.0
    for name in model.indicator_names:
        w = weights[name]
        on = w * sh["online"] * parts["online"][name]
        ex_f = parts["experts"].get(name)
        ex = w * sh["experts"] * (ex_f or 0.0)
        ind_points[name] = on + ex
        online += on
        experts += ex
    votes = 100.0 * sh["votes"] * (parts.get("votes") or 0.0) if sh["votes"] else 0.0
    scale = float(model.data.get("scale", 100)) / 100.0
    votes *= scale
    total = online + experts + votes
    return ind_points, total, {"online": online, "experts": experts, "votes": votes}


def base_weights(model: Model) -> dict[str, float]:
    return {i["name"]: float(i["weight"]) for i in model.indicators}


def score_weighted(model: Model, site: SiteInput, *, vote_frac: float | None, sh: Mapping[str, float],
                   trimmed: bool | None = None) -> SiteScore:
    """Score one reachable site with a weighted model (online measurement + experts + votes)."""
    trimmed = bool((model.data.get("experts") or {}).get("trimmed_mean")) if trimmed is None else trimmed
    fracs, items = online_fractions(model, site)
    ex = expert_fractions(model, site, trimmed)
    parts = {"online": fracs, "experts": ex, "votes": vote_frac, "shares": dict(sh)}
    weights = base_weights(model)
    ind_points, total, comp = combine(model, parts, weights, sh)
    evidence: list[dict[str, Any]] = []
    missing = list(site.missing)
    for ind in model.indicators:
        name = ind["name"]
        rows = items[name]
        judged = sum(it["points"] for it, f in rows if f is not None)
        for it, f in rows:
            o = site.obs.get(it["observation"])
            if f is None:
                evidence.append(_ev(site, name, it["name"], rule_text(it["rule"]), it["observation"], o, None, 0.0,
                                    f"skipped: no {it['observation']} data (source not available)"))
                continue
            unit = weights[name] * sh["online"] * it["points"] / judged if judged else 0.0
            note = "" if o is not None and o.value is not None else f"missing {it['observation']}: counted as 0"
            evidence.append(_ev(site, name, it["name"], rule_text(it["rule"]), it["observation"], o, unit * f, unit, note))
        if sh["experts"]:
            rows_e = site.experts.get(name) or []
            pts = weights[name] * sh["experts"] * (ex[name] or 0.0)
            detail = ", ".join(f"{e}: {v:g}" for e, v in rows_e) if rows_e else "no expert scores for this site"
            if not rows_e:
                missing.append(f"experts:{name}")
            evidence.append({"site": site.site_id, "indicator": name, "item": "专家评估", "rule": "trimmed mean" if trimmed else "mean",
                             "observation": "experts", "value": None if ex[name] is None else round(ex[name] * 100, 2),
                             "url": site.url, "seen": None, "source": "experts", "detail": detail,
                             "points": round(pts, 4), "max": round(weights[name] * sh["experts"], 4)})
    if sh["votes"]:
        evidence.append({"site": site.site_id, "indicator": "网上投票", "item": "网上投票", "rule": "votes / most votes in group",
                         "observation": "votes", "value": site.votes, "url": site.url, "seen": None, "source": "votes",
                         "detail": "" if site.votes is not None else "no votes for this site",
                         "points": round(comp["votes"], 4), "max": round(100.0 * sh["votes"] * float(model.data.get("scale", 100)) / 100.0, 4)})
        if site.votes is None:
            missing.append("votes")
    return SiteScore(site.site_id, site.name, site.group, site.url, round(total, 2),
                     {k: round(v, 2) for k, v in ind_points.items()}, "", [], [], evidence,
                     {k: round(v, 2) for k, v in comp.items()}, parts, sorted(set(missing)))


def vote_fractions(sites: list[SiteInput]) -> dict[str, float | None]:
    """Votes normalised within each group: the most-voted site of a group gets 1."""
    top: dict[str, float] = {}
    for s in sites:
        if s.votes is not None:
            top[s.group] = max(top.get(s.group, 0.0), float(s.votes))
    out: dict[str, float | None] = {}
    for s in sites:
        if s.votes is None:
            out[s.site_id] = 0.0 if top else None
        else:
            out[s.site_id] = float(s.votes) / top[s.group] if top.get(s.group) else 0.0
    return out


def score_all(model: Model, sites: list[SiteInput], *, trimmed: bool | None = None) -> list[SiteScore]:
    """Score every reachable site (unreachable ones are for ``rank.unreachable``)."""
    reachable = [s for s in sites if s.reachable]
    if model.kind == "inspection":
        from .vetoes import score_inspection
        return [score_inspection(model, s) for s in reachable]
    available = {"online"}
    if any(s.experts for s in reachable):
        available.add("experts")
    if any(s.votes is not None for s in reachable):
        available.add("votes")
    sh = shares(model, available)
    vf = vote_fractions(reachable)
    return [score_weighted(model, s, vote_frac=vf.get(s.site_id), sh=sh, trimmed=trimmed) for s in reachable]


def recompute_totals(model: Model, scores: list[SiteScore], weights: Mapping[str, float]) -> dict[str, float]:
    """Totals under other indicator weights (rank stability); weights are renormalised to the model's scale."""
    if model.kind == "inspection":
        from .vetoes import recompute_inspection
        return {s.site_id: recompute_inspection(model, s, weights) for s in scores}
    ind_w = {k: v for k, v in weights.items() if k in model.indicator_names}
    scale = float(model.data.get("scale", 100))
    tot = sum(ind_w.values()) or 1.0
    ind_w = {k: v * scale / tot for k, v in ind_w.items()}
    sh = {k: weights.get(f"combine:{k}", 0.0) for k in ("online", "experts", "votes")}
    s_tot = sum(sh.values()) or 1.0
    sh = {k: v / s_tot for k, v in sh.items()}
    return {s.site_id: combine(model, s.parts, ind_w, sh)[1] for s in scores}


def weight_keys(model: Model, scores: list[SiteScore]) -> dict[str, float]:
    """The weights rank stability varies, with their base values."""
    if model.kind == "inspection":
        return {n: 1.0 for n in model.indicator_names}
    w = base_weights(model)
    if scores:
        sh = scores[0].parts.get("shares") or {}
        for k, v in sh.items():
            if v:
                w[f"combine:{k}"] = v
    return w
