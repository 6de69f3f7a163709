"""Command line: python -m mailprobe send|collect|status|classify.

Examples:
  python -m mailprobe --config mailprobe.yaml send --dry-run
  python -m mailprobe send --only 平谷区,yjj
  python -m mailprobe collect            # once; --watch keeps going; --reclassify re-judges stored mail
  python -m mailprobe status --json
  python -m mailprobe classify reply.eml

Exit codes: 0 ok, 1 a run failed (server, safety switch), 2 bad usage or configuration.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

from . import config as config_mod
from .errors import ConfigError, MailprobeError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m mailprobe", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="YAML config file (default: $MAILPROBE_CONFIG)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send", help="send one consultation per active site (once per campaign)")
    s.add_argument("--dry-run", action="store_true", help="print exactly what would be sent; send and record nothing")
    s.add_argument("--only", help="comma-separated site ids")
    s.add_argument("--retry-failed", action="store_true", help="retry probes whose send failed temporarily (4xx)")
    c = sub.add_parser("collect", help="fetch, store, judge and match new mail")
    c.add_argument("--reclassify", action="store_true", help="re-judge every stored message with the current classifier")
    c.add_argument("--watch", action="store_true", help="keep collecting (IDLE with a short timeout, then re-search)")
    c.add_argument("--for", dest="duration", type=float, help="with --watch: stop after this many seconds")
    c.add_argument("--idle-timeout", type=float, default=5.0)
    st = sub.add_parser("status", help="campaign counts, reply rates, delays, one line per site")
    st.add_argument("--json", action="store_true")
    st.add_argument("--campaign", help="default: the configured campaign")
    k = sub.add_parser("classify", help="print the verdict on one raw message as JSON")
    k.add_argument("file", help="a raw message (.eml); - for stdin")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.cmd == "classify":
        from .classify import classify

        try:
            raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        except OSError as exc:
            print(f"mailprobe classify: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        print(json.dumps(classify(raw).to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    try:
        cfg = config_mod.load(args.config)
    except ConfigError as exc:
        print(f"mailprobe: configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from govcrawl.store import get_db

    try:
        db = get_db()
        if args.cmd == "send":
            from .send import dry_run_text, send

            only = args.only.split(",") if args.only else None
            report = send(db, cfg, only=only, dry_run=args.dry_run, retry_failed=args.retry_failed)
            if args.dry_run:
                print(dry_run_text(report))
                print(f"dry run: {len(report.planned)} would be sent, {len(report.skipped)} skipped")
            else:
                for sid, why in report.skipped:
                    print(f"skipped {sid}: {why}")
                for sid, why in report.failed:
                    print(f"failed  {sid}: {why}")
                print(f"campaign {cfg.campaign.name}: {len(report.sent)} sent, {len(report.failed)} failed, "
                      f"{len(report.skipped)} skipped in {report.seconds:.1f} s")
            return EXIT_FAIL if report.failed else EXIT_OK
        if args.cmd == "collect":
            from .collect import collect_once, reclassify_all, watch

            if args.reclassify:
                n = reclassify_all(db, cfg)
                print(f"re-judged stored messages; {n} probes updated")
                return EXIT_OK
            if args.watch:
                r = watch(db, cfg, idle_timeout=args.idle_timeout, duration=args.duration,
                          on_report=lambda r: print(f"stored {r.stored}: {r.kinds}", flush=True))
            else:
                r = collect_once(db, cfg)
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.kinds.items())) or "nothing new"
            print(f"collected {r.stored} new messages ({kinds}); {r.matched} matched; {r.probes_updated} probes updated")
            return EXIT_OK
        if args.cmd == "status":
            from .status import summary, table

            s = summary(db, args.campaign or cfg.campaign.name)
            print(json.dumps(s, ensure_ascii=False, indent=2, default=str) if args.json else table(s))
            return EXIT_OK
    except MailprobeError as exc:
        print(f"mailprobe {args.cmd}: {exc}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
