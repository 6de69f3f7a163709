"""Scoring benchmark: 15,000 synthetic sites x 30 crawl runs of snapshots x 140 availability checks each.

Prints the time to load the data (insert_many in big batches; kept on disk and reused by later runs with
the same sizes), the time of one evaluation (``scoring.evaluate``: MongoDB aggregation of the checks and
crawl runs, newest snapshots, scoring, ranking, rank stability, storing in ``scores``) split by stage,
and the ratio against a plain Python pass over the same documents (find() every check and newest
snapshot and aggregate them client-side).  Target: the evaluation of the full size in < 60 s.

    python bench/scoring.py                      # 15000 sites x 30 runs x 140 checks (first load takes minutes)
    python bench/scoring.py --sites 1500         # a quick run
    python bench/scoring.py --no-baseline        # skip the plain Python pass

Uses its own embedded SecantusDB under var/bench-scoring (or MONGO_URI) and the database
``govcrawl_bench_scoring``; ``--drop`` reloads the data, ``--keep-server`` leaves the server running.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GOVCRAWL_VAR", str(ROOT / "var" / "bench-scoring"))
os.environ["MONGO_DB"] = "govcrawl_bench_scoring"

from govcrawl import store  # noqa: E402
from scoring import model as model_mod  # noqa: E402
from scoring.evaluate import evaluate  # noqa: E402
from scoring.observations import DISCLOSURE, FEATURES  # noqa: E402

UTC = dt.timezone.utc
#: Data are placed just before the load time (checks must be recent for the rollup to behave as in
#: production: new checks arrive after the last evaluation); reused while younger than REUSE_DAYS.
REUSE_DAYS = 5
EVAL = dt.date(2007, 12, 20)  # the evaluation date the synthetic pages are dated against


def snapshot(i: int, run: int, run_id: str, started: dt.datetime, rng: random.Random) -> dict:
    sid = f"s{i:05d}"
    q = (i * 7919 % 1000) / 1000
    reachable = not (i % 97 == 0 or rng.random() < 0.01)
    url = f"http://www.{sid}.gov.cn/"
    doc = {"_id": f"{run_id}:{sid}", "run_id": run_id, "site_id": sid, "name": f"站点{i}", "group": "county" if i % 4 == 0 else "department",
           "url": url, "eval_date": EVAL.isoformat(), "started_at": started, "built_at": started, "reachable": reachable,
           "domain": {"host": f"www.{sid}.gov.cn", "gov_cn": q > 0.2, "https": q > 0.5},
           "pages": {"fetched": 40, "failed": 0, "by_role": {"home": 1, "column": 20, "article": 19, "link": 0}}}
    if not reachable:
        doc.update(failure={"kind": "timeout", "reason": "连接超时 timeout", "detail": "15 s", "status": None}, freshness=None,
                   columns=[], disclosure=[], disclosure_names=[], features=[], feature_names=[], emails=[], broken_links=[],
                   board_messages=[], future_items=[], identity=None, homepage={"url": url})
        return doc
    cols = []
    for c in range(12):
        age = rng.randint(0, 30) if rng.random() < q + 0.2 else rng.randint(31, 500)
        blank = rng.random() > q + 0.6
        cols.append({"name": f"栏目{c}", "url": f"{url}col{c}/", "level": 1, "parent": None, "class": "news", "item_count": 0 if blank else 15,
                     "newest_date": None if blank else (EVAL - dt.timedelta(days=age)).isoformat(), "age_days": None if blank else age,
                     "blank": blank, "stale": not blank and age > 14, "long_overdue": not blank and age > 365, "has_children": False,
                     "fetched": True, "list_pages": 1, "error": None})
    disc = [n for n in DISCLOSURE if rng.random() < q + 0.1]
    feats = [n for n in FEATURES if rng.random() < q + 0.1]
    home_age = rng.randint(0, 40)
    doc.update(
        failure=None,
        homepage={"url": url, "final_url": url, "status": 200, "seconds": round(rng.uniform(0.2, 4), 2), "size": 30000,
                  "title": doc["name"], "site_name": doc["name"], "encoding": "utf-8", "legal_name_shown": q > 0.3},
        identity={"site_code": "6104000001" if q > 0.4 else None, "icp": "陕ICP备05001234号", "psb": None, "party_badge": q > 0.7},
        nav_columns=[c["name"] for c in cols], nav_script_built=q < 0.1, columns=cols,
        homepage_latest={"title": "新闻", "url": f"{url}col0/1.html", "date": (EVAL - dt.timedelta(days=home_age)).isoformat(), "date_method": "list"},
        freshness={"homepage_latest_date": (EVAL - dt.timedelta(days=home_age)).isoformat(), "homepage_age_days": home_age,
                   "homepage_stale": home_age > 14, "columns_total": 12, "blank_columns": sum(c["blank"] for c in cols),
                   "stale_columns": sum(c["stale"] for c in cols), "long_overdue_columns": sum(c["long_overdue"] for c in cols),
                   "undated_columns": 0},
        future_items=[], disclosure=[{"name": n, "url": f"{url}xxgk/{k}/", "label": n, "found_on": url} for k, n in enumerate(disc)],
        disclosure_names=disc, features=[{"name": n, "url": f"{url}hd/{k}/", "label": n, "found_on": url} for k, n in enumerate(feats)],
        feature_names=feats, emails=[{"address": f"ask@{sid}.gov.cn", "form": "mailto", "context": "咨询", "url": f"{url}lxwm/"}],
        broken_links=[], board_messages=[])
    return doc


def load(db, sites: int, runs: int, checks: int, batch: int, T_END: dt.datetime) -> dict[str, float]:
    figures: dict[str, float] = {}
    rng = random.Random(2007)
    run_ids = [f"bench-run-{r:02d}" for r in range(runs)]
    starts = [T_END - dt.timedelta(days=runs - 1 - r, hours=6) for r in range(runs)]
    all_ids = [f"s{i:05d}" for i in range(sites)]
    db.runs.insert_many([{"_id": rid, "spider": "portals", "started_at": st, "status": "finished", "eval_date": EVAL.isoformat(),
                          "site_ids": all_ids} for rid, st in zip(run_ids, starts)])
    t = time.perf_counter()
    n = 0
    buf: list[dict] = []
    for r, (rid, st) in enumerate(zip(run_ids, starts)):
        for i in range(sites):
            buf.append(snapshot(i, r, rid, st, rng))
            if len(buf) >= batch // 4:
                db.snapshots.insert_many(buf, ordered=False)
                n += len(buf)
                buf = []
        print(f"  snapshots: run {r + 1}/{runs} ({n} docs, {n / (time.perf_counter() - t):.0f}/s)", flush=True)
    if buf:
        db.snapshots.insert_many(buf, ordered=False)
        n += len(buf)
    figures["snapshots_per_s"] = n / (time.perf_counter() - t)
    t = time.perf_counter()
    start = T_END - dt.timedelta(days=7)
    step = dt.timedelta(days=7) / checks
    n = 0
    for i in range(sites):
        sid = f"s{i:05d}"
        fail_p = 0.5 if i % 97 == 0 else (0.08 if i % 13 == 0 else 0.01)
        buf.extend({"site_id": sid, "at": start + k * step, "ok": (ok := rng.random() >= fail_p), "status": 200 if ok else None,
                    "seconds": 0.4, "error_kind": None if ok else "timeout", "round": k} for k in range(checks))
        if len(buf) >= batch:
            db.checks.insert_many(buf, ordered=False)
            n += len(buf)
            buf = []
            if (i + 1) % max(1, sites // 10) < batch // checks + 1:
                print(f"  checks: {n} docs, {n / (time.perf_counter() - t):.0f}/s", flush=True)
    if buf:
        db.checks.insert_many(buf, ordered=False)
        n += len(buf)
    figures["checks_per_s"] = n / (time.perf_counter() - t)
    db.bench_meta.replace_one({"_id": "sizes"}, {"_id": "sizes", "sites": sites, "runs": runs, "checks": checks, "t_end": T_END},
                              upsert=True)
    return figures


def plain_python(db, start: dt.datetime, end: dt.datetime) -> float:
    """The baseline: every check and newest snapshot fetched and aggregated client-side."""
    t = time.perf_counter()
    latest = db.runs.find_one({}, sort=[("started_at", -1)])
    per: dict[str, list[int]] = {}
    for c in db.checks.find({"at": {"$gte": start, "$lte": end}}, {"site_id": 1, "ok": 1, "seconds": 1, "at": 1}):
        a = per.setdefault(c["site_id"], [0, 0])
        a[0] += 1
        a[1] += 0 if c["ok"] else 1
    snaps = {s["site_id"]: s for s in db.snapshots.find({"run_id": latest["_id"]}, {"pages": 0})}
    assert len(per) and len(snaps)
    return time.perf_counter() - t


def _report(label: str, r: dict, seconds: float, sites: int) -> None:
    tm = r["timings"]
    ranked = sum(len(v) for v in r["groups"].values())
    print(f"{label}: {ranked} ranked + {len(r['unreachable'])} unreachable sites in {seconds:.1f} s "
          f"(collect {tm['collect']:.1f} s, score+rank+stability {tm['score']:.1f} s, store {tm.get('store', 0):.1f} s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=15000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--checks", type=int, default=140)
    ap.add_argument("--batch", type=int, default=20000, help="documents per insert_many (checks; snapshots a quarter)")
    ap.add_argument("--drop", action="store_true", help="reload the data even if the same sizes are stored")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--model", default="xianyang-2007")
    ap.add_argument("--keep-server", action="store_true")
    args = ap.parse_args(argv)
    db = store.get_db()
    try:
        meta = db.bench_meta.find_one({"_id": "sizes"}) or {}
        now = dt.datetime.now(UTC).replace(microsecond=0)
        same = (meta.get("sites"), meta.get("runs"), meta.get("checks")) == (args.sites, args.runs, args.checks) and \
            meta.get("t_end") is not None and now - meta["t_end"] < dt.timedelta(days=REUSE_DAYS)
        T_END = meta["t_end"] if same and not args.drop else now
        if args.drop or not same:
            for name in ("snapshots", "checks", "runs", "scores", "bench_meta"):
                db[name].drop()
            store.ensure_indexes(db)
            # the index scoring needs on checks (proposed for govcrawl/store.py INDEXES["checks"])
            db.checks.create_index([("at", 1)])
            print(f"loading {args.sites} sites x {args.runs} runs ({args.sites * args.runs} snapshots) and "
                  f"{args.checks} checks each ({args.sites * args.checks} checks) ...", flush=True)
            t = time.perf_counter()
            figs = load(db, args.sites, args.runs, args.checks, args.batch, T_END)
            print(f"loaded in {time.perf_counter() - t:.0f} s: snapshots {figs['snapshots_per_s']:.0f}/s, checks {figs['checks_per_s']:.0f}/s")
        else:
            print(f"reusing the stored data: {args.sites} sites x {args.runs} runs x {args.checks} checks (--drop reloads)")
        m = model_mod.load(args.model)
        db.checks.create_index([("at", 1)])
        rolled = db.scores.find_one({"_id": "rollup:checks"}) is not None
        db.scores.delete_many({"kind": {"$in": ["evaluation", "site"]}})
        t = time.perf_counter()
        r = evaluate(db, m, window=dt.timedelta(days=30))
        first = time.perf_counter() - t
        label = "evaluation with the checks already rolled up" if rolled else "first evaluation (rolls up every check once)"
        _report(f"{label}", r, first, args.sites)
        # one more uptime round arrives (one check per site), then the evaluation an evaluator would run
        rng = random.Random(1)
        at = dt.datetime.now(UTC)
        db.checks.insert_many([{"site_id": f"s{i:05d}", "at": at, "ok": rng.random() > 0.02, "status": 200, "seconds": 0.4,
                                "error_kind": None, "round": 10_000} for i in range(args.sites)], ordered=False)
        t = time.perf_counter()
        r = evaluate(db, m, window=dt.timedelta(days=30))
        warm = time.perf_counter() - t
        _report("evaluation after one more uptime round (the target)", r, warm, args.sites)
        print(f"  -> {'PASS' if warm < 60 else 'OVER'}: {warm:.1f} s against the 60 s target"
              + ("" if args.sites == 15000 else f" (at {args.sites} sites, not 15000)"))
        if not args.no_baseline:
            end = dt.datetime.now(UTC)
            start = end - dt.timedelta(days=30)
            base = plain_python(db, start, end)
            print(f"plain Python pass over the same documents (find every check in the window + the newest snapshots, "
                  f"aggregated client-side, no scoring): {base:.1f} s")
            print(f"ratio: evaluation / plain pass = {warm / base:.2f} (data reading only: {r['timings']['collect'] / base:.2f}); "
                  f"first evaluation / plain pass = {first / base:.2f}")
    finally:
        if not args.keep_server and not os.environ.get("MONGO_URI"):
            store.EmbeddedServer().stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
