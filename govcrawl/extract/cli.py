"""``python -m govcrawl extract PAGE --url URL [--now YYYY-MM-DD] [--encoding CHARSET]``.

Prints the facts extracted from one saved page as JSON (UTF-8, not ASCII-escaped).
Exit codes: 0 success, 1 the page could not be read, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from .page import extract_page

__all__ = ["main", "build_parser"]

EXAMPLE = "example: python -m govcrawl extract saved/home.html --url http://www.qindu.gov.cn/ --now 2007-12-20"


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m govcrawl extract",
        description="Print the facts extracted from one saved page as JSON.",
        epilog=EXAMPLE,
    )
    p.add_argument("page", help="path of the saved HTML page ('-' reads standard input)")
    p.add_argument("--url", required=True, help="the URL the page was fetched from (resolves relative links)")
    p.add_argument("--now", type=_iso_date, default=None,
                   help="evaluation date YYYY-MM-DD (gives year-less list dates their year)")
    p.add_argument("--encoding", default=None, help="charset of the HTTP Content-Type header, if known")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    try:
        if args.page == "-":
            body = sys.stdin.buffer.read()
        else:
            with open(args.page, "rb") as fh:
                body = fh.read()
    except OSError as exc:
        print(f"govcrawl extract: cannot read {args.page}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    facts = extract_page(body, args.url, now=args.now, http_encoding=args.encoding)
    sys.stdout.write(json.dumps(facts, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
