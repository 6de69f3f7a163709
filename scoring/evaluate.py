"""One evaluation: collect the inputs, score, rank per group, rank stability, store it in ``scores``.

The result is a plain JSON-able dict (the shape of DESIGN.md's ``scoring export --format json``, plus keys):
``id``, ``model``, ``params``, ``inputs``, ``missing``, ``groups`` ({group: [site rows, in rank order]}),
``excellent`` ({group: [site ids]}), ``unreachable``, ``charts`` (series the report draws).

Stored in ``scores``: one ``kind: evaluation`` document (model file contents, version, hash, parameters,
inputs used, unreachable list, every site's rank and total) and one ``kind: site`` document per ranked
site (indicators, components, vetoes, the expert scores and votes used).  Evidence is not stored (it is
recomputed from the same inputs and written to the exports).
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from pymongo.database import Database

from . import ScoringError, indicators, rank, stability
from .model import Model
from .observations import Collected, collect

logger = logging.getLogger(__name__)


def new_eval_id(model: Model, now: dt.datetime) -> str:
    return f"{model.name}-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


def evaluate(db: Database, model: Model, *, window: dt.timedelta = dt.timedelta(days=30), as_of: dt.datetime | None = None,
             run_id: str | None = None, campaign: str | None = None, excellent: int | None = None,
             trimmed: bool | None = None, compare_to: str | None = None, store: bool = True,
             stability_threshold: int = 1, now: dt.datetime | None = None, collected: Collected | None = None) -> dict[str, Any]:
    """Score every site of the window (or of ``run_id``) with ``model``; returns the evaluation dict."""
    now = now or dt.datetime.now(dt.timezone.utc)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    col = collected or collect(db, window=window, as_of=as_of, run_id=run_id, campaign=campaign)
    timings["collect"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    scores = indicators.score_all(model, col.sites, trimmed=trimmed)
    n_excellent = model.excellent if excellent is None else excellent
    ranked = rank.rank_all(scores, n_excellent)
    stab = stability.stability(model, scores, stability_threshold)
    unreachable = rank.unreachable(col.sites)
    timings["score"] = time.perf_counter() - t1
    previous = _previous(db, model, compare_to) if compare_to else None
    eval_id = new_eval_id(model, now)
    site_inputs = {s.site_id: s for s in col.sites}
    groups: dict[str, list[dict[str, Any]]] = {}
    for g, rows in ranked.items():
        out = []
        for r in rows:
            s = r.score
            si = site_inputs[s.site_id]
            row = {
                "site": s.site_id, "name": s.name, "url": s.url, "group": g, "total": s.total, "rank": r.rank,
                "tied": r.tied, "rank_label": r.label(), "cut_by_tiebreak": r.cut_by_tiebreak, "grade": "excellent" if r.excellent and not s.grade else s.grade,
                "excellent": r.excellent, "indicators": s.indicators, "components": s.components,
                "vetoes": [{"id": v["id"], "name": v["name"], "en": v.get("en", "")} for v in s.vetoes],
                "flags": [{"id": v["id"], "name": v["name"], "en": v.get("en", "")} for v in s.flags],
                "evidence": s.evidence, "missing": s.missing, "stability": {k: v for k, v in stab[s.site_id].items()},
                "run_id": si.run_id, "seen": si.seen,
                "experts": {k: [[e, v] for e, v in rows_] for k, rows_ in si.experts.items()}, "votes": si.votes,
            }
            if previous is not None:
                p = previous["sites"].get(s.site_id)
                row["previous"] = ({"rank": p["rank"], "total": p["total"], "rank_change": p["rank"] - r.rank,
                                    "score_change": round(s.total - p["total"], 2)} if p else None)
            out.append(row)
        groups[g] = out
    result = {
        "id": eval_id,
        "model": {"name": model.name, "version": model.version, "kind": model.kind, "preset": model.data.get("preset"),
                  "sha256": model.sha256, "source": model.source, "title": model.data.get("title"),
                  "indicators": [{"name": i["name"], "en": i.get("en", i["name"]), "weight": i.get("weight")} for i in model.indicators]},
        "created_at": now.isoformat(),
        "params": {"window_days": round((col.window[1] - col.window[0]).total_seconds() / 86400, 3),
                   "as_of": col.window[1].isoformat(), "run_id": run_id, "campaign": campaign, "excellent": n_excellent,
                   "trimmed_mean": trimmed, "compare_to": previous["id"] if previous else None,
                   "stability_threshold": stability_threshold},
        "inputs": col.inputs, "missing": col.missing,
        "groups": groups,
        "excellent": {g: [r["site"] for r in rows if r["excellent"]] for g, rows in groups.items()},
        "unreachable": unreachable,
        "charts": {"availability_by_day": col.availability_by_day,
                   "probes": [{k: p.get(k) for k in ("site_id", "outcome", "delay_hours", "delay_workdays", "quality", "sent_at")}
                              | {"group": site_inputs[p["site_id"]].group if p["site_id"] in site_inputs else None}
                              for p in col.probes]},
        "timings": timings,
    }
    if store:
        t2 = time.perf_counter()
        store_evaluation(db, model, result)
        timings["store"] = time.perf_counter() - t2
    return result


def store_evaluation(db: Database, model: Model, result: dict[str, Any]) -> None:
    eid = result["id"]
    summary = {g: [{"site": r["site"], "rank": r["rank"], "total": r["total"]} for r in rows] for g, rows in result["groups"].items()}
    doc = {
        "_id": eid, "kind": "evaluation", "model": model.name, "model_version": model.version, "model_sha256": model.sha256,
        "model_source": model.source, "model_data": model.data, "created_at": dt.datetime.fromisoformat(result["created_at"]),
        "params": result["params"], "inputs": result["inputs"], "missing": result["missing"],
        "excellent": result["excellent"], "unreachable": result["unreachable"], "ranking": summary,
    }
    site_docs = []
    for g, rows in result["groups"].items():
        for r in rows:
            site_docs.append({
                "_id": f"{eid}:{r['site']}", "kind": "site", "eval_id": eid, "model": model.name, "site_id": r["site"],
                "group": g, "rank": r["rank"], "tied": r["tied"], "total": r["total"], "grade": r["grade"],
                "indicators": [{"name": k, "score": v} for k, v in r["indicators"].items()],
                "components": r["components"], "vetoes": r["vetoes"], "flags": r["flags"],
                "experts": [{"indicator": k, "scores": [{"expert": e, "score": v} for e, v in rows_]} for k, rows_ in r["experts"].items()],
                "votes": r["votes"], "run_id": r["run_id"], "stability": {"max_move": r["stability"]["max_move"],
                                                                          "stable": r["stability"]["stable"]},
            })
    # a new evaluation id: plain inserts, in big batches
    for i in range(0, len(site_docs), 5000):
        db.scores.insert_many(site_docs[i:i + 5000], ordered=False)
    db.scores.replace_one({"_id": eid}, doc, upsert=True)


def _previous(db: Database, model: Model, ref: str) -> dict[str, Any]:
    """The evaluation ``ref`` names (an id, or 'previous': the newest stored one of the same model)."""
    if ref == "previous":
        doc = db.scores.find_one({"kind": "evaluation", "model": model.name}, sort=[("created_at", -1), ("_id", -1)])
    else:
        doc = db.scores.find_one({"_id": ref, "kind": "evaluation"})
    if not doc:
        raise ScoringError(f"no stored evaluation {ref!r} to compare to (python -m scoring list shows them)")
    sites = {r["site"]: r for rows in (doc.get("ranking") or {}).values() for r in rows}
    return {"id": doc["_id"], "sites": sites, "created_at": doc.get("created_at")}


def list_evaluations(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    return list(db.scores.find({"kind": "evaluation"}, {"model": 1, "model_version": 1, "created_at": 1, "params": 1, "inputs": 1})
                .sort([("created_at", -1), ("_id", -1)]).limit(limit))
