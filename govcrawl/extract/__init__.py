"""Pure page extractors: HTML bytes + URL (+ an evaluation date) -> facts.

No I/O, no clock, no network: ``now`` is an argument.  Each page is parsed once (one lxml tree shared
by every extractor).  The stable entry point is :func:`extract_page`.
"""

from __future__ import annotations

from .page import extract_page

__all__ = ["extract_page"]
