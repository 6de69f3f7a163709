"""The scoring half of ``python -m govcrawl demo``: sample expert scores and public votes, then both reports.

``run(db, run_id, out_dir, sites_profiles=None)``:
  1. writes ``experts.csv`` (5 experts x 5 indicators per reachable site of the run) and ``votes.csv`` into
     ``out_dir`` and imports them the way a user would (``python -m scoring import ...``);
  2. scores the run with ``xianyang-2007`` and ``gov-2019`` and writes CSV, XLSX, HTML and JSON into
     ``out_dir/<model>/``.
The sample numbers are generated deterministically (a hash of site, expert and indicator); with
``sites_profiles`` (``{site_id: tier or 0..1}``, or objects with ``.id`` and ``.tier`` such as the
sandbox's profiles) better sites get better expert scores and more votes; without it the site's own
observations (disclosure, features, freshness) stand in.
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any, Iterable, Mapping

from pymongo.database import Database

from . import ScoringError, export, imports, model as model_mod
from .evaluate import evaluate

TIER_QUALITY = {"excellent": 0.95, "good": 0.8, "fair": 0.6, "poor": 0.4, "very_poor": 0.2}
EXPERTS = ("专家1", "专家2", "专家3", "专家4", "专家5")
MODELS = ("xianyang-2007", "gov-2019")


def _noise(*parts: str) -> float:
    """A deterministic number in [-1, 1) from the parts."""
    h = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**31 - 1.0


def _hints(sites_profiles: Any) -> dict[str, float]:
    if not sites_profiles:
        return {}
    items: Iterable[tuple[str, Any]]
    if isinstance(sites_profiles, Mapping):
        items = sites_profiles.items()
    else:
        items = ((p.id, p.tier) for p in sites_profiles)
    out = {}
    for sid, v in items:
        if isinstance(v, str):
            if v in TIER_QUALITY:
                out[sid] = TIER_QUALITY[v]
        elif v is not None:
            out[sid] = max(0.0, min(1.0, float(v)))
    return out


def _own_quality(snap: Mapping[str, Any]) -> float:
    fr = snap.get("freshness") or {}
    cols = fr.get("columns_total") or 1
    parts = [len(snap.get("disclosure_names") or ()) / 14, len(snap.get("feature_names") or ()) / 13,
             1 - min(1.0, (fr.get("stale_columns", 0) + fr.get("blank_columns", 0)) / cols),
             0.0 if fr.get("homepage_stale", True) else 1.0]
    return sum(parts) / len(parts)


def sample_inputs(snapshots: list[Mapping[str, Any]], indicators: list[str], hints: Mapping[str, float]) -> tuple[list[list[Any]], list[list[Any]]]:
    """(expert rows, vote rows) for the reachable sites (pure, deterministic)."""
    experts, votes = [], []
    for s in sorted(snapshots, key=lambda s: s["site_id"]):
        if not s.get("reachable"):
            continue
        sid = s["site_id"]
        q = hints.get(sid, _own_quality(s))
        for e in EXPERTS:
            bias = 4 * _noise(sid, e)
            for ind in indicators:
                score = 35 + 60 * q + bias + 5 * _noise(sid, e, ind)
                experts.append([sid, e, ind, round(max(0.0, min(100.0, score)), 1)])
        votes.append([sid, max(0, round(40 + 900 * q * q * (1 + 0.15 * _noise(sid, "votes"))))])
    return experts, votes


def run(db: Database, run_id: str, out_dir: str | Path, sites_profiles: Any = None, lang: str = "zh") -> dict[str, Any]:
    """Import sample expert scores and votes for the run's sites, score with both models, write the reports."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    snaps = list(db.snapshots.find({"run_id": run_id}, {"site_id": 1, "reachable": 1, "freshness": 1, "disclosure_names": 1,
                                                        "feature_names": 1}).sort("site_id", 1))
    if not snaps:
        raise ScoringError(f"no snapshots of run {run_id!r}")
    xy = model_mod.load("xianyang-2007")
    ex_rows, vote_rows = sample_inputs(snaps, xy.indicator_names, _hints(sites_profiles))
    ex_file, vote_file = out / "experts.csv", out / "votes.csv"
    with open(ex_file, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["site", "expert", "indicator", "score"])
        w.writerows(ex_rows)
    with open(vote_file, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["site", "votes"])
        w.writerows(vote_rows)
    imports.import_experts(db, ex_file, xy.indicator_names)
    imports.import_votes(db, vote_file)
    results: dict[str, Any] = {"experts_csv": str(ex_file), "votes_csv": str(vote_file), "models": {}}
    for name in MODELS:
        m = model_mod.load(name)
        r = evaluate(db, m, run_id=run_id)
        files = export.write(r, list(export.FORMATS), out / name, lang)
        results["models"][name] = {
            "evaluation": r["id"], "report": str(out / name / "report.html"), "files": [str(f) for f in files],
            "excellent": {g: [x["name"] for x in rows if x["excellent"]] for g, rows in r["groups"].items()},
            "unreachable": [f"{u['name']} ({u['reason']})" for u in r["unreachable"]],
            "ranked": {g: len(rows) for g, rows in r["groups"].items()}, "missing": r["missing"],
        }
    return results


def print_summary(results: Mapping[str, Any]) -> None:
    """What ``govcrawl demo`` prints after ``run``."""
    for name, r in results["models"].items():
        print(f"\nscoring {name}: " + ", ".join(f"{g} {n} ranked" for g, n in r["ranked"].items()))
        for g, names in r["excellent"].items():
            print(f"  优秀 excellent ({g}): {', '.join(names)}")
        if r["unreachable"]:
            print(f"  无法打开 unreachable: {', '.join(r['unreachable'])}")
        for m in r["missing"]:
            print(f"  missing: {m}")
        print(f"  report: {r['report']}")
