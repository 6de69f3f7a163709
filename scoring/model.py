"""Scoring models: YAML data files, loaded and validated whole, with clear errors.

Two kinds:

* ``weighted`` (xianyang-2007): indicators with weights (presets for the 2006 and 2007 national weightings),
  each with items mapping an observation through a rule to points; then the combination of online
  measurement, expert review and public votes with configurable weights.
* ``inspection`` (gov-2019): vetoes judged automatically (or raised as flags for a person), deductions per
  site or per column (a column is penalised by the first rule that matches it, never twice), bonuses
  counted only above a threshold, a pass mark.

A rule turns an observed value into a fraction of the item's points:
  ``present`` (truthy value -> 1), ``absent`` (falsy -> 1), ``{linear: {full: X, zero: Y}}`` (1 at X, 0 at Y,
  straight line between, clamped; X < Y means lower is better).
A condition (vetoes, deductions, bonuses) is ``{observation, op, value}`` with op one of
  == != < <= > >= true false, or ``{any: [...]}`` / ``{all: [...]}``; ``missing: true|false`` says what a
  condition is worth when its observation is missing (default false: not judged).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from . import ScoringError
from .observations import OBSERVATIONS, OPTIONAL_SOURCES

OPS = ("==", "!=", "<", "<=", ">", ">=", "true", "false")
KINDS = ("weighted", "inspection")
COMBINE_KEYS = ("online", "experts", "votes")
COLUMN_FLAGS = ("blank", "stale", "long_overdue")


class ModelError(ScoringError):
    """A model file was refused; ``problems`` lists every problem with its place in the file."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"model {source} refused:\n  " + "\n  ".join(problems))


@dataclass
class Model:
    name: str
    version: str
    kind: str
    data: dict[str, Any]
    source: str
    sha256: str

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return self.data["indicators"]

    @property
    def indicator_names(self) -> list[str]:
        return [i["name"] for i in self.indicators]

    def indicator_en(self, name: str) -> str:
        for i in self.indicators:
            if i["name"] == name:
                return i.get("en") or name
        return name

    @property
    def excellent(self) -> int:
        return int(self.data.get("excellent", 5))

    def title(self, lang: str = "zh") -> str:
        t = self.data.get("title") or {}
        return (t.get("en") if lang == "en" else t.get("zh")) or self.name

    def with_preset(self, preset: str | None) -> "Model":
        """A copy whose indicator weights are those of ``preset`` (e.g. '2006')."""
        if not preset:
            return self
        presets = self.data.get("presets") or {}
        if str(preset) not in presets:
            raise ModelError(self.source, [f"preset {preset!r} unknown; this model has: {', '.join(sorted(presets)) or 'none'}"])
        data = copy.deepcopy(self.data)
        for ind in data["indicators"]:
            ind["weight"] = presets[str(preset)][ind["name"]]
        data["preset"] = str(preset)
        return Model(self.name, self.version, self.kind, data, self.source, self.sha256)


def builtin_dir() -> Path:
    return Path(str(resources.files("scoring").joinpath("models")))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load(name_or_path: str | Path) -> Model:
    """Load a built-in model by name (``xianyang-2007``) or any model file by path, validated."""
    p = Path(name_or_path)
    if not p.exists():
        cand = builtin_dir() / f"{name_or_path}.yaml"
        if not cand.exists():
            raise ModelError(str(name_or_path), [f"no such model file, and no built-in model of that name "
                                                 f"(built-in: {', '.join(builtin_names())})"])
        p = cand
    raw = p.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ModelError(str(p), ["not UTF-8: save the model file as UTF-8"]) from None
    except yaml.YAMLError as exc:
        raise ModelError(str(p), [f"not valid YAML: {exc}"]) from None
    return from_data(data, str(p), hashlib.sha256(raw).hexdigest())


def from_data(data: Any, source: str = "<data>", sha256: str | None = None) -> Model:
    problems = validate(data)
    if problems:
        raise ModelError(source, problems)
    sha = sha256 or hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return Model(str(data["name"]), str(data["version"]), data["kind"], data, source, sha)


# --------------------------------------------------------------------------- validation


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_obs(name: Any, where: str, problems: list[str]) -> None:
    if not isinstance(name, str) or name not in OBSERVATIONS:
        problems.append(f"{where}: unknown observation {name!r} (known: see `python -m scoring observations`)")


def _check_rule(rule: Any, where: str, problems: list[str]) -> None:
    if rule in ("present", "absent"):
        return
    if isinstance(rule, dict) and set(rule) == {"linear"} and isinstance(rule["linear"], dict):
        lin = rule["linear"]
        if set(lin) != {"full", "zero"} or not (_num(lin.get("full")) and _num(lin.get("zero"))):
            problems.append(f"{where}: linear rule needs numbers full and zero, got {lin!r}")
        elif _close(lin["full"], lin["zero"]):
            problems.append(f"{where}: linear rule with full == zero ({lin['full']})")
        return
    problems.append(f"{where}: unknown rule {rule!r} (use present, absent or {{linear: {{full: X, zero: Y}}}})")


def _check_cond(cond: Any, where: str, problems: list[str]) -> None:
    if not isinstance(cond, dict):
        problems.append(f"{where}: a condition must be a mapping, got {cond!r}")
        return
    if "any" in cond or "all" in cond:
        key = "any" if "any" in cond else "all"
        subs = cond[key]
        if not isinstance(subs, list) or not subs:
            problems.append(f"{where}: {key} needs a non-empty list")
            return
        for i, c in enumerate(subs):
            _check_cond(c, f"{where}.{key}[{i}]", problems)
        return
    _check_obs(cond.get("observation"), where, problems)
    op = cond.get("op")
    if op not in OPS:
        problems.append(f"{where}: unknown op {op!r} (use one of {' '.join(OPS)})")
    elif op not in ("true", "false") and "value" not in cond:
        problems.append(f"{where}: op {op} needs a value")
    if "missing" in cond and not isinstance(cond["missing"], bool):
        problems.append(f"{where}: missing must be true or false")


def _dupes(names: list[Any], where: str, problems: list[str]) -> None:
    seen: set[Any] = set()
    for n in names:
        if n in seen:
            problems.append(f"{where}: duplicate name {n!r}")
        seen.add(n)


def validate(data: Any) -> list[str]:
    """Every problem of a model document (empty: valid)."""
    p: list[str] = []
    if not isinstance(data, dict):
        return ["the file must hold a mapping (name, version, kind, indicators, ...)"]
    for key in ("name", "version", "kind", "indicators"):
        if key not in data:
            p.append(f"missing key {key!r}")
    if p:
        return p
    if data["kind"] not in KINDS:
        return [f"kind {data['kind']!r} unknown (use {' or '.join(KINDS)})"]
    inds = data["indicators"]
    if not isinstance(inds, list) or not inds:
        return ["indicators must be a non-empty list"]
    names = [i.get("name") if isinstance(i, dict) else None for i in inds]
    _dupes(names, "indicators", p)
    if "excellent" in data and not (isinstance(data["excellent"], int) and data["excellent"] >= 0):
        p.append("excellent must be a whole number >= 0")
    if data["kind"] == "weighted":
        _validate_weighted(data, names, p)
    else:
        _validate_inspection(data, names, p)
    return p


def _validate_weighted(data: dict[str, Any], names: list[Any], p: list[str]) -> None:
    scale = data.get("scale", 100)
    for n, ind in enumerate(data["indicators"]):
        where = f"indicators[{n}] {ind.get('name')!r}"
        if not _num(ind.get("weight")) or ind["weight"] < 0:
            p.append(f"{where}: weight must be a number >= 0")
        items = ind.get("items")
        if not isinstance(items, list) or not items:
            p.append(f"{where}: items must be a non-empty list")
            continue
        _dupes([it.get("name") for it in items], f"{where}.items", p)
        for k, it in enumerate(items):
            iw = f"{where}.items[{k}] {it.get('name')!r}"
            _check_obs(it.get("observation"), iw, p)
            _check_rule(it.get("rule"), iw, p)
            if not _num(it.get("points")) or it["points"] <= 0:
                p.append(f"{iw}: points must be a number > 0")
            if it.get("missing", "zero") not in ("zero", "skip"):
                p.append(f"{iw}: missing must be zero or skip")
    weights = [i.get("weight") for i in data["indicators"]]
    if all(_num(w) for w in weights) and not _close(sum(weights), scale):
        p.append(f"indicator weights add up to {sum(weights):g}, not {scale:g} "
                 f"({', '.join(f'{n}={w:g}' for n, w in zip(names, weights))})")
    for pname, preset in (data.get("presets") or {}).items():
        if not isinstance(preset, dict):
            p.append(f"presets.{pname}: must map indicator names to weights")
            continue
        if set(preset) != set(names):
            extra, lack = sorted(set(preset) - set(names)), sorted(set(names) - set(preset))
            p.append(f"presets.{pname}: indicators differ from the model's (unknown {extra}, missing {lack})")
        elif not all(_num(v) and v >= 0 for v in preset.values()):
            p.append(f"presets.{pname}: weights must be numbers >= 0")
        elif not _close(sum(preset.values()), scale):
            p.append(f"presets.{pname}: weights add up to {sum(preset.values()):g}, not {scale:g}")
    comb = data.get("combine", {"online": 100})
    if not isinstance(comb, dict) or set(comb) - set(COMBINE_KEYS):
        p.append(f"combine: keys must be among {', '.join(COMBINE_KEYS)}")
    elif not all(_num(v) and v >= 0 for v in comb.values()):
        p.append("combine: weights must be numbers >= 0")
    elif not _close(sum(comb.values()), 100):
        p.append(f"combine: weights add up to {sum(comb.values()):g}, not 100 ({comb})")
    exp = data.get("experts") or {}
    if exp and not isinstance(exp.get("trimmed_mean", False), bool):
        p.append("experts.trimmed_mean must be true or false")


def _validate_inspection(data: dict[str, Any], names: list[Any], p: list[str]) -> None:
    for key, default in (("pass_mark", 60), ("bonus_above", 80), ("bonus_max", 30), ("base", 100)):
        if not _num(data.get(key, default)):
            p.append(f"{key} must be a number")
    vetoes = data.get("vetoes") or []
    _dupes([v.get("id") for v in vetoes], "vetoes", p)
    for n, v in enumerate(vetoes):
        where = f"vetoes[{n}] {v.get('id')!r}"
        if not v.get("id") or not v.get("name"):
            p.append(f"{where}: id and name are required")
        _check_cond(v.get("when"), where, p)
    for section in ("deductions", "bonuses"):
        rules = data.get(section) or []
        _dupes([r.get("name") for r in rules], section, p)
        for n, r in enumerate(rules):
            where = f"{section}[{n}] {r.get('name')!r}"
            if not _num(r.get("points")) or r["points"] <= 0:
                p.append(f"{where}: points must be a number > 0")
            if r.get("indicator") not in names:
                p.append(f"{where}: indicator {r.get('indicator')!r} is not one of the model's indicators {names}")
            if "max" in r and (not _num(r["max"]) or r["max"] <= 0):
                p.append(f"{where}: max must be a number > 0")
            if r.get("per") == "column":
                if section == "bonuses":
                    p.append(f"{where}: bonuses are per site, not per column")
                _check_column_where(r.get("where"), where, p)
            elif r.get("per", "site") == "site":
                _check_cond(r.get("when"), where, p)
            else:
                p.append(f"{where}: per must be site or column")


def _check_column_where(w: Any, where: str, p: list[str]) -> None:
    if not isinstance(w, dict) or not w:
        p.append(f"{where}: a per-column rule needs where: {{blank|stale|long_overdue: true, name_contains, level, class, older_than_days}}")
        return
    known = set(COLUMN_FLAGS) | {"name_contains", "level", "class", "older_than_days"}
    for k in w:
        if k not in known:
            p.append(f"{where}: where.{k} unknown (use {', '.join(sorted(known))})")


def default_missing(observation: str) -> str:
    """Items on optional sources (checks, probes, published messages) are skipped when missing."""
    return "skip" if OBSERVATIONS[observation][0] in OPTIONAL_SOURCES else "zero"
