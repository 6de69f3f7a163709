"""The extractors' vocabularies, loaded once from ``govcrawl/data/taxonomy.yaml``.

Nothing here knows a page: it turns the data file into precompiled matchers (regular expressions and
lookup tables) that the other modules share.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

__all__ = ["Taxonomy", "load_taxonomy", "CanonicalMatcher"]


def _alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first (so the longest synonym wins)."""
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in ordered)


@dataclass(frozen=True)
class CanonicalMatcher:
    """Maps a short text (a link text, an image alt) to one canonical name, or None."""

    long_re: re.Pattern[str]
    short_re: re.Pattern[str] | None
    to_canonical: dict[str, str]
    order: tuple[str, ...]
    text_max: int
    short_max: int

    def match(self, text: str) -> str | None:
        """The canonical name of the longest synonym contained in ``text`` (whitespace already removed)."""
        if not text or len(text) > self.text_max:
            return None
        best: str | None = None
        for m in self.long_re.finditer(text):
            if best is None or len(m.group(0)) > len(best):
                best = m.group(0)
        if best is None and self.short_re is not None and len(text) <= self.short_max:
            m = self.short_re.search(text)
            if m:
                best = m.group(0)
        return self.to_canonical[best.lower()] if best else None


def _canonical_matcher(section: dict[str, Any], text_max: int, short_max: int) -> CanonicalMatcher:
    to_canonical: dict[str, str] = {}
    longs: list[str] = []
    shorts: list[str] = []
    for name, spec in section.items():
        spec = spec or {}
        for syn in [name, *spec.get("synonyms", [])]:
            to_canonical.setdefault(str(syn).lower(), name)
            longs.append(str(syn))
        for syn in spec.get("short", []) or []:
            to_canonical.setdefault(str(syn).lower(), name)
            shorts.append(str(syn))
    long_re = re.compile(_alternation(longs), re.IGNORECASE)
    short_re = re.compile(_alternation(shorts), re.IGNORECASE) if shorts else None
    return CanonicalMatcher(long_re, short_re, to_canonical, tuple(section), text_max, short_max)


@dataclass(frozen=True)
class Taxonomy:
    """Precompiled vocabularies (see the YAML file for the meaning of each list)."""

    raw: dict[str, Any]
    disclosure: CanonicalMatcher
    features: CanonicalMatcher
    column_classes: tuple[tuple[str, re.Pattern[str]], ...]
    column_other_words: frozenset[str]
    nav_main_re: re.Pattern[str]
    nav_side_re: re.Pattern[str]
    nav_footer_re: re.Pattern[str]
    nav_crumb_re: re.Pattern[str]
    utility_links: frozenset[str]
    home_links: frozenset[str]
    nav_keywords_re: re.Pattern[str]
    date_labels_primary: tuple[str, ...]
    date_labels_generic: tuple[str, ...]
    date_labels_secondary: tuple[str, ...]
    date_traps: tuple[tuple[str, tuple[str, ...]], ...]
    date_meta: tuple[str, ...]
    blank_re: re.Pattern[str]
    next_texts: frozenset[str]
    last_texts: frozenset[str]
    more_texts: frozenset[str]
    item_skip_re: re.Pattern[str]
    board_labels: dict[str, tuple[str, ...]]
    site_name_prefixes: tuple[str, ...]
    site_name_copyright: tuple[str, ...]
    org_suffix_re: re.Pattern[str]

    def column_class(self, name: str) -> str:
        """news / notice_policy / personnel_plan / interaction / other for a column name."""
        if not name or name in self.column_other_words:
            return "other"
        for cls, rx in self.column_classes:
            if rx.search(name):
                return cls
        return "other"


@functools.cache
def load_taxonomy() -> Taxonomy:
    """Load and compile ``govcrawl/data/taxonomy.yaml`` (cached for the process)."""
    text = resources.files("govcrawl").joinpath("data/taxonomy.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    text_max = int(raw.get("link_text_max", 14))
    short_max = int(raw.get("short_max", 6))
    classes = tuple(
        (c["name"], re.compile(_alternation([str(k) for k in c["keywords"]])))
        for c in raw["column_classes"]
    )
    hints = raw["nav_hints"]
    labels = raw["date_labels"]
    pag = raw["pagination"]
    board = raw["board_labels"]
    return Taxonomy(
        raw=raw,
        disclosure=_canonical_matcher(raw["disclosure"], text_max, short_max),
        features=_canonical_matcher(raw["features"], text_max, short_max),
        column_classes=classes,
        column_other_words=frozenset(raw.get("column_other_words", [])),
        nav_main_re=re.compile(hints["main"]),
        nav_side_re=re.compile(hints["side"]),
        nav_footer_re=re.compile(hints["footer"]),
        nav_crumb_re=re.compile(hints["crumb"]),
        utility_links=frozenset(str(w) for w in raw["utility_links"]),
        home_links=frozenset(re.sub(r"\s+", "", str(w)) for w in raw["home_links"]),
        nav_keywords_re=re.compile(_alternation([str(w) for w in raw["nav_keywords"]])),
        date_labels_primary=tuple(labels["primary"]),
        date_labels_generic=tuple(labels["generic"]),
        date_labels_secondary=tuple(labels["secondary"]),
        date_traps=tuple((kind, tuple(str(w) for w in words)) for kind, words in raw["date_traps"].items()),
        date_meta=tuple(str(m).lower() for m in raw["date_meta"]),
        blank_re=re.compile(_alternation([str(w) for w in raw["blank_markers"]])),
        next_texts=frozenset(str(w) for w in pag["next"]),
        last_texts=frozenset(str(w) for w in pag["last"]),
        more_texts=frozenset(str(w).lower() for w in raw["more_links"]),
        item_skip_re=re.compile("^(?:" + _alternation([str(w) for w in raw["item_skip_prefixes"]]) + ")"),
        board_labels={k: tuple(str(w) for w in v) for k, v in board.items()},
        site_name_prefixes=tuple(raw["site_name"]["prefixes"]),
        site_name_copyright=tuple(raw["site_name"]["copyright"]),
        org_suffix_re=re.compile("(?:" + _alternation(raw["site_name"]["org_suffixes"]) + ")$"),
    )
