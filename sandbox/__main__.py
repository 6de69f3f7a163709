"""`python -m sandbox serve [--port P]` runs the sandbox in the foreground and prints its host map;
`python -m sandbox registry [--format yaml|csv]` writes the registry of the 59 sites.

Examples:
  python -m sandbox serve --port 8080 --https-port 8443
  python -m sandbox serve --state var/sandbox/sandbox.json    # writes hostmap.json and sites.yaml beside it
  python -m sandbox registry --format yaml > sites.yaml
  python -m sandbox --date 2008-01-03 serve --flaky  # the same sites two weeks later, some homepages flapping

A running sandbox is steered through its control endpoint (Host: sandbox.control, on its HTTP port):
  curl -H 'Host: sandbox.control' -X POST 'http://127.0.0.1:PORT/clock?date=2008-01-03'
  curl -H 'Host: sandbox.control' -X POST 'http://127.0.0.1:PORT/flaky?on=1&reset=1'
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

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
    serve.add_argument("--state", type=Path, default=None,
                       help="when ready, write this JSON state file (ports, evaluation date, host map) and, "
                            "beside it, hostmap.json and sites.yaml")
    serve.add_argument("--flaky", action="store_true",
                       help="some homepages fail a share of GETs or answer slowly (sandbox.profiles.FLAKY)")
    serve.add_argument("--hang", type=float, default=16.0,
                       help="seconds a flaky homepage hangs on a 'timeout' failure (default %(default)s)")
    reg = sub.add_parser("registry", help="print the registry of the sites")
    reg.add_argument("--format", choices=("yaml", "csv", "json"), default="yaml")
    return parser


def write_state(path: Path, state: dict[str, Any], rows: list[dict[str, object]], cert_pem: bytes) -> None:
    """Write hostmap.json, sites.yaml and cert.pem beside `path`, then `path` itself (atomically, last: its
    existence means the sandbox is ready)."""
    import yaml

    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    hostmap_file = folder / "hostmap.json"
    registry_file = folder / "sites.yaml"
    cert_file = folder / "cert.pem"
    hostmap_file.write_text(json.dumps(state["hostmap"], ensure_ascii=False, indent=1), "utf-8")
    registry_file.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), "utf-8")
    cert_file.write_bytes(cert_pem)
    full = {**state, "hostmap_file": str(hostmap_file), "registry_file": str(registry_file),
            "cert_file": str(cert_file)}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(full, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, path)


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
    with Sandbox(profiles, host=args.host, http_port=args.port, https_port=args.https_port,
                 flaky=args.flaky, hang_seconds=args.hang) as sb:
        state = {
            "pid": os.getpid(),
            "http_port": sb.http_port,
            "https_port": sb.https_port,
            "closed_port": sb.closed_port,
            "seed": args.seed,
            "eval_date": args.date.isoformat(),
            "hostmap": {host: {str(k): v for k, v in ports.items()} for host, ports in sb.hostmap().items()},
        }
        if args.state is not None:
            write_state(args.state, state, sb.registry(), sb.cert_pem)
        json.dump(state, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
