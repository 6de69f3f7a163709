"""Pure scoring of inspection models (gov-2019): vetoes, flags for a person, deductions, bonuses, grade.

* A veto whose condition holds fails the site (V2-V6); a ``flag: true`` veto (V1) is only raised for a
  person to judge.
* Deductions per column are applied in model order; a column penalised by one rule is not penalised
  again by a later one (it is claimed even when the rule's ``max`` is reached).  Per-site deductions
  with ``per_unit: true`` cost ``points`` x the observed count.
* Bonuses count only when the score before bonuses is above ``bonus_above``, at most ``bonus_max``.
"""
from __future__ import annotations

from typing import Any, Mapping

from .indicators import SiteScore
from .model import Model
from .observations import Obs, SiteInput

_CMP = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def cond_text(cond: Mapping[str, Any]) -> str:
    if "any" in cond or "all" in cond:
        key = "any" if "any" in cond else "all"
        return f" {'or' if key == 'any' else 'and'} ".join(f"({cond_text(c)})" for c in cond[key])
    op = cond["op"]
    if op in ("true", "false"):
        return f"{cond['observation']} is {op}"
    return f"{cond['observation']} {op} {cond['value']}"


def evaluate(cond: Mapping[str, Any], obs: Mapping[str, Obs]) -> tuple[bool, list[tuple[str, Obs | None]]]:
    """Whether ``cond`` holds, and the observations that decided it (pure)."""
    if "any" in cond:
        used: list[tuple[str, Obs | None]] = []
        for c in cond["any"]:
            ok, u = evaluate(c, obs)
            if ok:
                return True, u
            used += u
        return False, used
    if "all" in cond:
        used = []
        for c in cond["all"]:
            ok, u = evaluate(c, obs)
            used += u
            if not ok:
                return False, used
        return True, used
    name = cond["observation"]
    o = obs.get(name)
    if o is None or o.value is None:
        return bool(cond.get("missing", False)), [(name, None)]
    op = cond["op"]
    if op == "true":
        return bool(o.value), [(name, o)]
    if op == "false":
        return not o.value, [(name, o)]
    try:
        return bool(_CMP[op](o.value, cond["value"])), [(name, o)]
    except TypeError:
        return False, [(name, o)]


def _ev(site: SiteInput, indicator: str, item: str, rule: str, used: list[tuple[str, Obs | None]],
        points: float, note: str = "") -> list[dict[str, Any]]:
    out = []
    for name, o in used or [(None, None)]:
        out.append({
            "site": site.site_id, "indicator": indicator, "item": item, "rule": rule, "observation": name,
            "value": o.value if o else None, "url": (o.url if o else None) or site.url,
            "seen": (o.seen if o else None) or site.seen, "source": o.source if o else None,
            "detail": note or (o.detail if o else "missing: counted as the rule says"), "points": round(points, 4), "max": None,
        })
        points = 0.0  # the points are carried by the first observation only, so evidence adds up
    return out


def column_matches(where: Mapping[str, Any], col: Mapping[str, Any]) -> bool:
    for flag in ("blank", "stale", "long_overdue"):
        if flag in where and bool(col.get(flag)) != bool(where[flag]):
            return False
    if "name_contains" in where and where["name_contains"] not in (col.get("name") or ""):
        return False
    if "level" in where and col.get("level") != where["level"]:
        return False
    if "class" in where and col.get("class") != where["class"]:
        return False
    if "older_than_days" in where:
        age = col.get("age_days")
        if age is None or age <= where["older_than_days"]:
            return False
    return True


def score_inspection(model: Model, site: SiteInput) -> SiteScore:
    d = model.data
    base = float(d.get("base", 100))
    names = model.indicator_names
    evidence: list[dict[str, Any]] = []
    vetoes, flags = [], []
    for v in d.get("vetoes") or ():
        hit, used = evaluate(v["when"], site.obs)
        if hit:
            ev = _ev(site, "单项否决", f"{v['id']} {v['name']}", cond_text(v["when"]), used, 0.0,
                     "flag for a person to judge" if v.get("flag") else "")
            entry = {"id": v["id"], "name": v["name"], "en": v.get("en", ""), "evidence": ev}
            (flags if v.get("flag") else vetoes).append(entry)
            evidence += ev
    ded = dict.fromkeys(names, 0.0)
    claimed: set[str] = set()
    for r in d.get("deductions") or ():
        cap = float(r.get("max", float("inf")))
        taken = 0.0
        if r.get("per") == "column":
            for col in site.columns:
                key = col.get("url") or col.get("name") or ""
                if key in claimed or not column_matches(r["where"], col):
                    continue
                claimed.add(key)
                pts = min(float(r["points"]), cap - taken)
                taken += pts
                evidence.append({
                    "site": site.site_id, "indicator": r["indicator"], "item": r["name"], "rule": f"per column {r['where']}",
                    "observation": "column", "value": f"{col.get('name')}: newest {col.get('newest_date')}, age {col.get('age_days')} d, "
                                                      f"{col.get('item_count')} items",
                    "url": col.get("url") or site.url, "seen": site.seen, "source": "snapshot",
                    "detail": "" if pts > 0 else f"cap of {cap:g} reached (column not penalised again)",
                    "points": -round(pts, 4), "max": None,
                })
        else:
            hit, used = evaluate(r["when"], site.obs)
            if not hit:
                continue
            units = 1.0
            if r.get("per_unit") and used and used[0][1] is not None:
                units = float(used[0][1].value)
            pts = min(float(r["points"]) * units, cap)
            taken = pts
            evidence += _ev(site, r["indicator"], r["name"], cond_text(r["when"]), used, -pts)
        ded[r["indicator"]] += taken
    before = max(0.0, base - sum(ded.values()))
    bon = dict.fromkeys(names, 0.0)
    bonus_ev: list[dict[str, Any]] = []
    for b in d.get("bonuses") or ():
        hit, used = evaluate(b["when"], site.obs)
        if hit:
            bon[b["indicator"]] += float(b["points"])
            bonus_ev += _ev(site, b["indicator"], b["name"], cond_text(b["when"]), used, float(b["points"]))
    parts = {"ded": ded, "bon": bon, "base": base}
    total, bonus = _total(model, parts, dict.fromkeys(names, 1.0))
    raw_bonus = sum(bon.values())
    if bonus < raw_bonus:  # scale the evidence down to what was counted
        factor = bonus / raw_bonus if raw_bonus else 0.0
        for e in bonus_ev:
            e["detail"] = (f"bonus not counted: score before bonus {before:g} is not above {d.get('bonus_above', 80)}"
                           if factor == 0 else f"bonus capped at {d.get('bonus_max', 30)}: counted x{factor:.3f}")
            e["points"] = round(e["points"] * factor, 4)
    evidence += bonus_ev
    factor = bonus / raw_bonus if raw_bonus else 0.0
    indicators = {n: round(-ded[n] + bon[n] * factor, 2) for n in names}
    if vetoes:
        grade = "fail_veto"
    elif total < float(d.get("pass_mark", 60)):
        grade = "fail"
    elif before > float(d.get("bonus_above", 80)):
        grade = "good"
    else:
        grade = "pass"
    return SiteScore(site.site_id, site.name, site.group, site.url, round(total, 2), indicators, grade, vetoes, flags,
                     evidence, {"base": base, "deductions": round(sum(ded.values()), 2), "bonus": round(bonus, 2)},
                     parts, sorted(set(site.missing)))


def _total(model: Model, parts: Mapping[str, Any], mult: Mapping[str, float]) -> tuple[float, float]:
    d = model.data
    before = max(0.0, parts["base"] - sum(mult.get(k, 1.0) * v for k, v in parts["ded"].items()))
    bonus = 0.0
    if before > float(d.get("bonus_above", 80)):
        bonus = min(float(d.get("bonus_max", 30)), sum(mult.get(k, 1.0) * v for k, v in parts["bon"].items()))
    return before + bonus, bonus


def recompute_inspection(model: Model, score: SiteScore, weights: Mapping[str, float]) -> float:
    """Total when each area's deductions and bonuses are multiplied by ``weights[area]``."""
    return _total(model, score.parts, weights)[0]
