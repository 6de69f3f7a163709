"""``python -m govcrawl``: the database, the registry, single-page extraction, snapshots and the demo.

Examples:
  python -m govcrawl db start                 # start (or find) the embedded database; prints its URI
  python -m govcrawl sites load sites.yaml    # load or update the registry
  python -m govcrawl sites list
  python -m govcrawl extract page.html --url http://www.qindu.gov.cn/
  python -m govcrawl runs                     # the crawl runs, newest first
  python -m govcrawl snapshots build RUN      # rebuild a run's snapshots from its pages
  python -m govcrawl redis clear RUN          # drop a shared (multi-worker) crawl's Redis keys
  python -m govcrawl availability --window 7d # uptime checks -> availability and the V2 veto, per site
  python -m govcrawl evidence SITE --run RUN  # the pages (and screenshot) a run kept, as files
  python -m govcrawl evidence prune --older-than 90d
  python -m govcrawl demo                     # the whole evaluation on the sandbox portals
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any, Sequence

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m govcrawl", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="verb", required=True)

    db = sub.add_parser("db", help="the embedded database server (ignored when MONGO_URI is set)")
    db.add_argument("action", choices=["start", "stop", "status"])
    db.add_argument("--json", action="store_true", help="machine-readable output")

    sites = sub.add_parser("sites", help="the registry of portals")
    sites_sub = sites.add_subparsers(dest="action", required=True)
    load = sites_sub.add_parser("load", help="load or update sites from a YAML or CSV file")
    load.add_argument("file")
    ls = sites_sub.add_parser("list", help="list the registered sites")
    ls.add_argument("--group")
    ls.add_argument("--json", action="store_true")

    ex = sub.add_parser("extract", help="print the facts extracted from one saved page as JSON")
    ex.add_argument("page")
    ex.add_argument("--url", required=True, help="the URL the page was served from")
    ex.add_argument("--now", help="evaluation date YYYY-MM-DD (default: today)")

    runs = sub.add_parser("runs", help="list crawl runs, newest first")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--json", action="store_true")

    snaps = sub.add_parser("snapshots", help="snapshots of a run")
    snaps_sub = snaps.add_subparsers(dest="action", required=True)
    build = snaps_sub.add_parser("build", help="(re)build a run's snapshots from its stored pages")
    build.add_argument("run")

    red = sub.add_parser("redis", help="the Redis keys of a crawl shared by several workers")
    red_sub = red.add_subparsers(dest="action", required=True)
    clear = red_sub.add_parser("clear", help="delete a finished run's queue, duplicate filter and budgets")
    clear.add_argument("run")
    clear.add_argument("--url", default=os.environ.get("GOVCRAWL_REDIS_URL", ""), help="redis://host:port/db (default: GOVCRAWL_REDIS_URL)")

    av = sub.add_parser("availability", help="availability and the V2 veto per site from the uptime checks (stored)",
                        description="e.g. python -m govcrawl availability --window 7d --end 2008-01-03T16:00 --json "
                                    "(thresholds: govcrawl/data/availability.yaml)")
    av.add_argument("--window", default="", help="window length, e.g. 7d or 72h (default: the rules file, 7d)")
    av.add_argument("--end", default="", help="window end, ISO date or time in UTC (default: now)")
    av.add_argument("--only", default="", help="site ids, comma-separated")
    av.add_argument("--rules", default=None, help="rules file (default govcrawl/data/availability.yaml)")
    av.add_argument("--no-store", action="store_true", help="compute and print only")
    av.add_argument("--json", action="store_true")

    ev = sub.add_parser("evidence", help="the pages (and homepage screenshot) a run kept for a site; prune old ones",
                        description="python -m govcrawl evidence SITE [--run RUN] [--out DIR]  |  "
                                    "python -m govcrawl evidence prune --older-than 90d")
    ev.add_argument("site", help="a site id, or `prune`")
    ev.add_argument("--run", help="the crawl run (default: the site's newest run with evidence)")
    ev.add_argument("--out", help="directory for the files (default: ./evidence-SITE-RUN)")
    ev.add_argument("--older-than", help="prune: delete evidence fetched longer ago than this (90d, 12h, 2w)")

    demo = sub.add_parser("demo", help="the whole evaluation on the sandbox portals (no external services)")
    demo.add_argument("--keep-running", action="store_true", help="leave the sandbox up at the end")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["extract"]:
        from govcrawl.extract.cli import main as extract_main

        return extract_main(argv[1:])
    args = _parser().parse_args(argv)
    logging.basicConfig(level=os.environ.get("GOVCRAWL_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return EXIT_FAIL
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence: one clear message
        from govcrawl.registry import RegistryError
        from govcrawl.store import StoreError

        if isinstance(exc, (RegistryError, StoreError, ValueError)):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAIL
        raise


def _dispatch(args: argparse.Namespace) -> int:
    if args.verb == "db":
        return _db(args)
    if args.verb == "sites":
        return _sites(args)
    if args.verb == "runs":
        return _runs(args)
    if args.verb == "snapshots":
        from govcrawl import store
        from govcrawl.finalize import build_run_snapshots

        n = build_run_snapshots(store.get_db(), args.run)
        print(f"run {args.run}: {n} snapshots built")
        return EXIT_OK
    if args.verb == "redis":
        from govcrawl.distributed import clear as redis_clear

        if not args.url:
            print("error: give --url redis://host:port/db or set GOVCRAWL_REDIS_URL", file=sys.stderr)
            return EXIT_USAGE
        print(f"run {args.run}: {redis_clear(args.url, args.run)} Redis keys deleted")
        return EXIT_OK
    if args.verb == "availability":
        return _availability(args)
    if args.verb == "evidence":
        return _evidence(args)
    if args.verb == "demo":
        from govcrawl.demo import run_demo

        return run_demo(keep_running=args.keep_running)
    return EXIT_USAGE


def _db(args: argparse.Namespace) -> int:
    from govcrawl.store import EmbeddedServer

    if os.environ.get("MONGO_URI"):
        print(f"MONGO_URI is set ({_redact(os.environ['MONGO_URI'])}): govcrawl uses that server and starts none.")
        return EXIT_OK
    server = EmbeddedServer()
    if args.action == "start":
        info = server.start()
        out: dict[str, Any] = {"running": True, "pid": info.pid, "uri": info.uri, "data_dir": info.data_dir}
    elif args.action == "stop":
        stopped = server.stop()
        out = {"running": False, "stopped": stopped}
    else:
        info = server.info()
        out = {"running": info is not None, "data_dir": str(server.data_dir)}
        if info:
            out.update(pid=info.pid, uri=info.uri)
    if args.json:
        print(json.dumps(out))
    elif out.get("running"):
        print(f"embedded database running (pid {out['pid']}), data in {out['data_dir']}")
        print(f"connect any MongoDB client to: {out['uri']}")
        print(f"  e.g. mongosh \"{out['uri']}\"   then: use govcrawl")
    else:
        print("embedded database stopped" if out.get("stopped") else "embedded database not running")
    return EXIT_OK


def _availability(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from govcrawl import availability, store

    rules = availability.load_rules(args.rules)
    window = availability.parse_window(args.window) if args.window else None
    end = None
    if args.end:
        end = datetime.fromisoformat(args.end)
        end = end.replace(tzinfo=timezone.utc) if end.tzinfo is None else end
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    docs = availability.evaluate(store.get_db(), end, window, only, rules, store=not args.no_store)
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, default=str, indent=2))
        return EXIT_OK
    print(f"{'site':<14}{'visits':>7}{'failed':>7}{'share':>8}{'days':>6}  verdict")
    for d in docs:
        share = "-" if d["share"] is None else f"{d['share']:.1%}"
        print(f"{d['site_id']:<14}{d['visits']:>7}{d['failures']:>7}{share:>8}{d['days_covered']:>6}  {d['verdict']}")
    n = {v: sum(1 for d in docs if d["verdict"] == v) for v in ("veto", "pass", "insufficient_data")}
    print(f"{len(docs)} sites: {n['veto']} veto, {n['pass']} pass, {n['insufficient_data']} insufficient data"
          + ("" if args.no_store else " (stored in availability)"))
    return EXIT_OK


def _evidence(args: argparse.Namespace) -> int:
    from pathlib import Path

    from govcrawl import evidence, store

    db = store.get_db()
    if args.site == "prune":
        if not args.older_than:
            print("error: evidence prune needs --older-than (e.g. 90d)", file=sys.stderr)
            return EXIT_USAGE
        n = evidence.prune(db, evidence.parse_age(args.older_than))
        print(f"{n} evidence documents older than {args.older_than} deleted")
        return EXIT_OK
    run_id, docs = evidence.find(db, args.site, args.run)
    out = Path(args.out or f"evidence-{args.site}-{run_id}")
    written = evidence.export(docs, out)
    pages = sum(1 for _, d in written if d["kind"] == "html")
    shots = sum(1 for _, d in written if d["kind"] == "png")
    print(f"site {args.site}, run {run_id}: {pages} pages and {shots} screenshot(s) written to {out}/ (see index.tsv)")
    return EXIT_OK


def _redact(uri: str) -> str:
    import re

    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", uri)


def _sites(args: argparse.Namespace) -> int:
    from govcrawl import registry, store

    if args.action == "load":
        sites = registry.read_file(args.file)
        res = registry.load(store.get_db(), sites)
        print(f"{args.file}: {len(sites)} sites: {res.added} added, {res.updated} updated, {res.unchanged} unchanged")
        return EXIT_OK
    query: dict[str, Any] = {"group": args.group} if args.group else {}
    docs = list(store.get_db().sites.find(query).sort([("group", 1), ("_id", 1)]))
    if args.json:
        for d in docs:
            d.pop("added_at", None), d.pop("updated_at", None)
        print(json.dumps(docs, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not docs:
        print("no sites registered: python -m govcrawl sites load FILE")
        return EXIT_OK
    print(f"{'id':<14} {'group':<11} {'name':<20} url")
    for d in docs:
        flag = "" if d.get("active", True) else "  (inactive)"
        print(f"{d['_id']:<14} {d['group']:<11} {d['name']:<20} {d['url']}{flag}")
    print(f"{len(docs)} sites")
    return EXIT_OK


def _runs(args: argparse.Namespace) -> int:
    from govcrawl import store

    docs = list(store.get_db().runs.find({}, {"stats": 0}).sort("started_at", -1).limit(args.limit))
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, default=str, indent=2))
        return EXIT_OK
    for d in docs:
        print(f"{d['_id']}  {d.get('spider', ''):<8} {d.get('status', ''):<11} eval {d.get('eval_date', '')}  "
              f"{len(d.get('site_ids') or [])} sites  started {d['started_at']:%Y-%m-%d %H:%M:%S}Z")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
