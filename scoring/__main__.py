"""python -m scoring VERB: score, rank and export; import expert scores and public votes.

Examples:
  python -m scoring export --model xianyang-2007 --format csv,xlsx,html,json --out out/2007
  python -m scoring export --model gov-2019 --window 7d --campaign 2007-12 --format html --out out/inspection
  python -m scoring export --model my-copy.yaml --preset 2006 --compare-to previous --lang en --format html --out out/en
  python -m scoring import experts experts.csv          # site,expert,indicator,score
  python -m scoring import votes votes.csv              # site,votes
  python -m scoring models | validate FILE.yaml | observations | list | rollup [--rebuild]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from . import ScoringError
from .export import FORMATS

logger = logging.getLogger("scoring")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="verb", required=True)
    e = sub.add_parser("export", help="score, rank per group and write the results",
                       description="example: python -m scoring export --model xianyang-2007 --format csv,xlsx,html,json --out out/2007")
    e.add_argument("--model", required=True, help="built-in model name (xianyang-2007, gov-2019) or a model file path")
    e.add_argument("--preset", help="weight preset of the model (xianyang-2007: 2006 or 2007)")
    e.add_argument("--window", default="30d", help="how far back snapshots and checks count (30d, 7d, 72h); default 30d")
    e.add_argument("--as-of", help="end of the window (ISO date or datetime, UTC); default now")
    e.add_argument("--run", help="score the snapshots of this crawl run (default: each site's newest in the window)")
    e.add_argument("--campaign", help="mail probe campaign (default: each site's newest probe)")
    e.add_argument("--format", default="csv,xlsx,html,json", help=f"comma-separated: {','.join(FORMATS)}")
    e.add_argument("--out", required=True, type=Path, help="output directory")
    e.add_argument("--lang", choices=("zh", "en"), default="zh", help="labels: zh (default) or en")
    e.add_argument("--excellent", type=int, help="top N per group named excellent (default: the model's, 5)")
    e.add_argument("--trimmed-mean", action="store_true", default=None, help="drop each site's highest and lowest expert score")
    e.add_argument("--compare-to", help="a stored evaluation id, or 'previous' (the newest of the same model)")
    e.add_argument("--no-store", action="store_true", help="do not store the evaluation in scores")
    e.add_argument("--json", action="store_true", help="print a machine summary as JSON")
    i = sub.add_parser("import", help="import expert scores or public votes from CSV (UTF-8)",
                       description="example: python -m scoring import experts experts.csv")
    i.add_argument("kind", choices=("experts", "votes"))
    i.add_argument("file", type=Path)
    i.add_argument("--model", default="xianyang-2007", help="model whose indicators expert rows name (default xianyang-2007)")
    sub.add_parser("models", help="list the built-in models")
    v = sub.add_parser("validate", help="validate a model file")
    v.add_argument("file", type=Path)
    sub.add_parser("observations", help="list the observations a model may use")
    ru = sub.add_parser("rollup", help="refresh (or --rebuild) the daily availability rollup of checks")
    ru.add_argument("--rebuild", action="store_true", help="forget the rollup and roll up every check again (after backfills)")
    ls = sub.add_parser("list", help="stored evaluations, newest first")
    ls.add_argument("--limit", type=int, default=20)
    return p


def _as_of(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ScoringError(f"--as-of {text!r}: use an ISO date or datetime, e.g. 2007-12-20 or 2007-12-20T12:00:00") from None
    if len(text) <= 10:
        t = t + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except ScoringError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from . import model as model_mod
    if args.verb == "models":
        for name in model_mod.builtin_names():
            m = model_mod.load(name)
            print(f"{name:<16} v{m.version}  {m.kind:<10} {m.title('zh')} / {m.title('en')}")
        return 0
    if args.verb == "validate":
        m = model_mod.load(args.file)
        print(f"{args.file}: valid ({m.kind}, indicators: {', '.join(m.indicator_names)})")
        return 0
    if args.verb == "observations":
        from .observations import OBSERVATIONS
        for name, (source, desc) in OBSERVATIONS.items():
            print(f"{name:<28} {source:<9} {desc}")
        return 0
    from govcrawl import store
    db = store.get_db()
    if args.verb == "list":
        from .evaluate import list_evaluations
        for d in list_evaluations(db, args.limit):
            print(f"{d['_id']}  {d['model']} v{d.get('model_version')}  {d['created_at']:%Y-%m-%d %H:%M}  "
                  f"sites {d.get('inputs', {}).get('sites')}")
        return 0
    if args.verb == "rollup":
        from . import rollup
        if args.rebuild:
            rollup.rebuild(db)
        r = rollup.refresh(db)
        print(f"rolled up {r['rolled']} checks in {r['seconds']:.1f} s; checks before {r['upto']} are in the rollup")
        return 0
    if args.verb == "import":
        from . import imports
        if args.kind == "experts":
            r = imports.import_experts(db, args.file, model_mod.load(args.model).indicator_names)
        else:
            r = imports.import_votes(db, args.file)
        print(f"imported {r.rows} {r.kind} rows for {r.sites} sites ({r.replaced} replaced earlier rows)")
        return 0
    # export
    from . import export
    from .evaluate import evaluate
    from .observations import parse_window
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ScoringError(f"--format {args.format!r}: choose from {','.join(FORMATS)}")
    m = model_mod.load(args.model).with_preset(args.preset)
    result = evaluate(db, m, window=parse_window(args.window), as_of=_as_of(args.as_of), run_id=args.run,
                      campaign=args.campaign, excellent=args.excellent, trimmed=args.trimmed_mean,
                      compare_to=args.compare_to, store=not args.no_store)
    files = export.write(result, formats, args.out, args.lang)
    summary = {"evaluation": result["id"], "stored": not args.no_store, "files": [str(f) for f in files],
               "groups": {g: len(rows) for g, rows in result["groups"].items()}, "unreachable": len(result["unreachable"]),
               "excellent": result["excellent"], "missing": result["missing"]}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"evaluation {result['id']} ({m.name} v{m.version}): " +
              ", ".join(f"{g} {n} ranked" for g, n in summary["groups"].items()) + f", {summary['unreachable']} unreachable")
        for x in result["missing"]:
            print(f"  missing: {x}")
        for f in files:
            print(f"  wrote {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
