"""`python -m sandbox serve [--port P]` runs the sandbox in the foreground and prints its host map;
`python -m sandbox registry [--format yaml|csv]` writes the registry of the 59 sites.

Examples:
  python -m sandbox serve --port 8080 --https-port 8443
  python -m sandbox registry --format yaml > sites.yaml
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import signal
import sys
import threading
from datetime import date

from sandbox.profiles import DEFAULT_EVAL_DATE, DEFAULT_SEED, build_profiles
from sandbox.server import Sandbox, registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="profile seed (default %(default)s)")
    parser.add_argument("--date", type=date.fromisoformat, default=DEFAULT_EVAL_DATE,
                        help="evaluation date, YYYY-MM-DD (default %(default)s)")
    sub = parser.add_subparsers(dest="verb", required=True)
    serve = sub.add_parser("serve", help="serve the sites on 127.0.0.1 until interrupted")
    serve.add_argument("--port", type=int, default=0, help="HTTP port (default: a free port)")
    serve.add_argument("--https-port", type=int, default=0, help="HTTPS port (default: a free port)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    reg = sub.add_parser("registry", help="print the registry of the sites")
    reg.add_argument("--format", choices=("yaml", "csv", "json"), default="yaml")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    profiles = build_profiles(args.seed, args.date)
    if args.verb == "registry":
        rows = registry(profiles)
        if args.format == "json":
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        elif args.format == "csv":
            writer = csv.DictWriter(sys.stdout, fieldnames=["id", "name", "group", "url", "emails", "notes"])
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "emails": ";".join(row["emails"])})  # type: ignore[arg-type]
        else:
            import yaml

            yaml.safe_dump(rows, sys.stdout, allow_unicode=True, sort_keys=False)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Sandbox(profiles, host=args.host, http_port=args.port, https_port=args.https_port) as sb:
        json.dump({"http_port": sb.http_port, "https_port": sb.https_port, "hostmap": sb.hostmap()},
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
