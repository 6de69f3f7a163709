"""Dates on Chinese government pages: a cheap cascade of patterns, each result tagged with its method.

Full dates: ``2007年12月7日``, ``二〇〇七年十二月七日``, ``2007-12-07`` / ``2007/12/07`` / ``2007.12.07``.
List-item dates without a year (``[12-07]``, ``12-07``, ``(12/07)``, ``12月07日``) take their year from
a reference date (``now``, else the page URL's date, else the newest full date on the page) and are
never after it (rolled back one year).  Traps - a header "今天是…", a footer "网站最后更新…", copyright
lines - are recognised and ignored.  htmldate is only the last resort for article pages.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .html import Doc, text_of
from .taxonomy import Taxonomy

__all__ = [
    "DateHit",
    "FULLWIDTH",
    "full_dates",
    "parse_date_string",
    "month_day",
    "resolve_month_day",
    "url_date",
    "trap_kind",
    "year_reference",
    "published_date",
    "explicit_date",
]

logger = logging.getLogger(__name__)

FULLWIDTH = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")
_FULLWIDTH_RE = re.compile("[０-９－／．]")  # full-width digits and date separators (rare: translate only then)


def ascii_digits(text: str) -> str:
    """``text`` with full-width digits and date punctuation made ASCII (cheap when there are none)."""
    return text.translate(FULLWIDTH) if _FULLWIDTH_RE.search(text) else text

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_Y = r"(?:19[7-9]\d|20\d\d)"
_YMD_CN = rf"({_Y})\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日?"
_CN_Y = "[〇零○ＯOo一二三四五六七八九]{4}"
_CN_MD = "[一二三四五六七八九十]{1,3}"
_YMD_NUM = rf"({_CN_Y})\s*年\s*({_CN_MD})\s*月\s*({_CN_MD})\s*日"
_YMD_SEP = rf"({_Y})\s*(?P<sep>[-/.])\s*(\d{{1,2}})\s*(?P=sep)\s*(\d{{1,2}})"
FULL_DATE_RE = re.compile(rf"(?<![\d.])(?:{_YMD_CN}|{_YMD_NUM}|{_YMD_SEP})(?![\d])")
_DATE_STR = (rf"(?:{_Y}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}\s*日?"
             rf"|{_CN_Y}\s*年\s*{_CN_MD}\s*月\s*{_CN_MD}\s*日)")

# Month-day forms of list items, most specific first.
_MD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\[【(（]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[\]】)）]"), "md-bracket"),
    (re.compile(r"(?<![\d\-/.:])(\d{1,2})月(\d{1,2})日(?!\d)"), "md-cn"),
    (re.compile(r"(?<![\d\-/.:])(\d{2})[-/](\d{2})(?![\d\-/:])"), "md-sep"),
)

_URL_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/t((?:19|20)\d\d)(\d\d)(\d\d)_"),
    re.compile(r"/((?:19|20)\d\d)-(\d\d)/(\d\d)/"),
    re.compile(r"/art/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)/"),
    re.compile(r"/((?:19|20)\d\d)/(\d\d)(\d\d)/"),
    re.compile(r"[/_-]((?:19|20)\d\d)(\d\d)(\d\d)[_\-.]"),
)
_URL_MONTH_RE = re.compile(r"/((?:19|20)\d\d)(\d\d)/")
# Year-less list dates take the year of the page's newest full date when there is no ``now`` and no URL
# date; they may be this many days newer than it before they are rolled back a year.
PAGE_REFERENCE_SLACK_DAYS = 60
_CJK_BEFORE = r"(?<![\u4e00-\u9fff])"
_MAYBE_DATE_RE = re.compile(r"\d[-/.年]|年")


@dataclass(frozen=True, slots=True)
class DateHit:
    """A full date found in a text, with where it was and how it was written."""

    value: date
    start: int
    end: int
    method: str  # ymd-cn | ymd-cn-numerals | ymd-sep


def _cn_number(s: str) -> int | None:
    """一 .. 三十一 -> int."""
    if not s:
        return None
    if "十" not in s:
        return _CN_DIGITS.get(s) if len(s) == 1 else None
    head, _, tail = s.partition("十")
    tens = _CN_DIGITS.get(head) if head else 1
    ones = _CN_DIGITS.get(tail) if tail else 0
    if tens is None or ones is None:
        return None
    return tens * 10 + ones


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _hit_from_match(m: re.Match[str]) -> DateHit | None:
    g = m.groups()
    if g[0] is not None:
        value = _make_date(int(g[0]), int(g[1]), int(g[2]))
        method = "ymd-cn"
    elif g[3] is not None:
        year = 0
        for ch in g[3]:
            if ch not in _CN_DIGITS:
                return None
            year = year * 10 + _CN_DIGITS[ch]
        month, day = _cn_number(g[4]), _cn_number(g[5])
        value = _make_date(year, month, day) if month and day and 1970 <= year <= 2099 else None
        method = "ymd-cn-numerals"
    else:
        value = _make_date(int(g[6]), int(g[8]), int(g[9]))
        method = "ymd-sep"
    return DateHit(value, m.start(), m.end(), method) if value else None


def full_dates(text: str) -> list[DateHit]:
    """Every full date in ``text`` (full-width digits must already be translated)."""
    out: list[DateHit] = []
    for m in FULL_DATE_RE.finditer(text):
        hit = _hit_from_match(m)
        if hit:
            out.append(hit)
    return out


def parse_date_string(s: str) -> tuple[date, str] | None:
    """The first full date in a short string, with its method."""
    m = FULL_DATE_RE.search(ascii_digits(s))
    if not m:
        return None
    hit = _hit_from_match(m)
    return (hit.value, hit.method) if hit else None


def month_day(text: str) -> tuple[int, int, str, int, int] | None:
    """A month-day date without a year in ``text``: (month, day, method, start, end)."""
    for rx, method in _MD_PATTERNS:
        for m in rx.finditer(text):
            month, day = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12 and 1 <= day <= 31:
                return month, day, method, m.start(), m.end()
    return None


def resolve_month_day(month: int, day: int, ref: date) -> date | None:
    """The date (month, day) in ref's year, rolled back a year when it would be after ``ref``."""
    for year in (ref.year, ref.year - 1, ref.year - 2, ref.year - 3, ref.year - 4):
        if month == 2 and day == 29 and not calendar.isleap(year):
            continue
        d = _make_date(year, month, day)
        if d is None:
            return None
        if d <= ref:
            return d
    return None


def url_date(url: str) -> tuple[date, bool] | None:
    """The date written in a URL path (TRS ``/200712/t20071207_…``): (date, exact day?)."""
    for rx in _URL_DATE_PATTERNS:
        m = rx.search(url)
        if m:
            d = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d:
                return d, True
    m = _URL_MONTH_RE.search(url)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return date(y, mo, calendar.monthrange(y, mo)[1]), False
    return None


_TRAP_CACHE: dict[int, tuple[tuple[str, re.Pattern[str]], ...]] = {}


def _trap_res(tax: Taxonomy) -> tuple[tuple[str, re.Pattern[str]], ...]:
    res = _TRAP_CACHE.get(id(tax))
    if res is None:
        res = tuple((kind, re.compile("|".join(re.escape(w) for w in words if w != "星期") or "(?!)"))
                    for kind, words in tax.date_traps)
        _TRAP_CACHE[id(tax)] = res
    return res


def trap_kind(line: str, start: int, end: int, tax: Taxonomy) -> str | None:
    """``today`` / ``last_updated`` / ``copyright`` when the date at line[start:end] is a trap."""
    before = line[max(0, start - 24):start]
    after = line[end:end + 6]
    for kind, rx in _trap_res(tax):
        if rx.search(before):
            return kind
        if kind == "today" and ("星期" in after or after[:1] == "周"):
            return kind
    return None


def date_text(doc: Doc) -> str:
    """The page text with full-width digits translated (cached on the doc)."""
    t = doc.cache.get("date_text")
    if t is None:
        t = ascii_digits(doc.text)
        doc.cache["date_text"] = t
    return t  # type: ignore[return-value]


def date_lines(doc: Doc) -> list[str]:
    """The page lines with full-width digits translated (cached on the doc)."""
    t = doc.cache.get("date_lines")
    if t is None:
        t = doc.lines if not _FULLWIDTH_RE.search(doc.text) else [ascii_digits(ln) for ln in doc.lines]
        doc.cache["date_lines"] = t
    return t  # type: ignore[return-value]


def page_dates(doc: Doc, tax: Taxonomy) -> tuple[list[tuple[int, DateHit]], list[dict[str, str]]]:
    """All full dates of the page as (line index, hit), traps excluded; and the traps found."""
    cached = doc.cache.get("page_dates")
    if cached is not None:
        return cached  # type: ignore[return-value]
    good: list[tuple[int, DateHit]] = []
    traps: list[dict[str, str]] = []
    for i, line in enumerate(date_lines(doc)):
        if not _MAYBE_DATE_RE.search(line):
            continue
        for hit in full_dates(line):
            kind = trap_kind(line, hit.start, hit.end, tax)
            if kind:
                traps.append({"text": line[max(0, hit.start - 24):hit.end + 6].strip(), "kind": kind,
                              "date": hit.value.isoformat()})
            else:
                good.append((i, hit))
    doc.cache["page_dates"] = (good, traps)
    return good, traps


def year_reference(doc: Doc, tax: Taxonomy, now: date | None) -> tuple[date | None, str]:
    """The reference date for year-less item dates: now, else the URL's date, else the page's newest."""
    if now is not None:
        return now, "now"
    ud = url_date(doc.url)
    if ud:
        return ud[0], "url"
    good, _ = page_dates(doc, tax)
    if good:
        # list dates may be a little newer than the newest full date printed on the page
        return max(h.value for _, h in good) + timedelta(days=PAGE_REFERENCE_SLACK_DAYS), "page"
    return None, "none"


@dataclass(frozen=True)
class _LabelRes:
    primary: re.Pattern[str]
    generic: re.Pattern[str]
    secondary: re.Pattern[str]


_LABEL_CACHE: dict[int, _LabelRes] = {}


def _label_res(tax: Taxonomy) -> _LabelRes:
    key = id(tax)
    res = _LABEL_CACHE.get(key)
    if res is None:
        def build(labels: tuple[str, ...], guard: bool) -> re.Pattern[str]:
            alt = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
            pre = _CJK_BEFORE if guard else ""
            return re.compile(rf"{pre}({alt})[\s:：]{{0,8}}({_DATE_STR})")
        res = _LabelRes(build(tax.date_labels_primary, False), build(tax.date_labels_generic, True),
                        build(tax.date_labels_secondary, False))
        _LABEL_CACHE[key] = res
    return res


def _labelled(rx: re.Pattern[str], text: str, order: tuple[str, ...]) -> tuple[date, str] | None:
    best: tuple[int, int, date, str] | None = None
    rank = {label: i for i, label in enumerate(order)}
    for m in rx.finditer(text):
        parsed = parse_date_string(m.group(2))
        if not parsed:
            continue
        key = (rank.get(m.group(1), 99), m.start())
        if best is None or key < best[:2]:
            best = (key[0], key[1], parsed[0], m.group(1))
    return (best[2], best[3]) if best else None


def _meta_date(doc: Doc, tax: Taxonomy) -> tuple[date, str] | None:
    for name in tax.date_meta:
        value = doc.meta.get(name)
        if value:
            parsed = parse_date_string(value)
            if parsed:
                return parsed[0], name
    return None


def _heading_line(doc: Doc) -> int | None:
    for tag in ("h1", "h2", "h3"):
        for el in doc.root.iter(tag):
            t = " ".join(text_of(el).split())
            if len(t) >= 5:
                for i, line in enumerate(doc.lines):
                    if line and (line == t or (len(line) >= 5 and line in t) or t in line):
                        return i
    return None


def _htmldate(doc: Doc, now: date | None) -> str | None:
    """htmldate's guess (slow; the last resort for article pages only)."""
    from htmldate import find_date  # imported lazily: costly, rarely needed

    kwargs: dict[str, object] = {"url": doc.url, "original_date": True, "outputformat": "%Y-%m-%d",
                                 "extensive_search": True}
    if now is not None:
        kwargs["max_date"] = now.isoformat()
    try:
        return find_date(doc.source, **kwargs)
    except Exception:  # htmldate is a heuristic: never let it break an extraction
        logger.debug("htmldate failed on %s", doc.url, exc_info=True)
        return None


def explicit_date(doc: Doc, tax: Taxonomy) -> tuple[str, str] | tuple[()]:
    """A labelled or meta publication date: (iso, method), or () when the page states none (cached)."""
    cached = doc.cache.get("explicit_date")
    if cached is None:
        cached = _explicit_date(doc, tax)
        doc.cache["explicit_date"] = cached
    return cached  # type: ignore[return-value]


def _explicit_date(doc: Doc, tax: Taxonomy) -> tuple[str, str] | tuple[()]:
    text = date_text(doc)
    res = _label_res(tax)
    found = _labelled(res.primary, text, tax.date_labels_primary)
    if not found:
        found = _labelled(res.generic, text, tax.date_labels_generic)
    if found:
        return found[0].isoformat(), f"label:{found[1]}"
    meta = _meta_date(doc, tax)
    if meta:
        return meta[0].isoformat(), f"meta:{meta[1]}"
    found = _labelled(res.secondary, text, tax.date_labels_secondary)
    if found:
        return found[0].isoformat(), f"label:{found[1]}"
    return ()


def published_date(doc: Doc, tax: Taxonomy, *, page_type: str, now: date | None) -> tuple[str | None, str | None]:
    """The page's own publication date and the method that found it (``label:发布日期``, ``meta:pubdate``,
    ``text:ymd-cn``, ``url``, ``htmldate``), or (None, None)."""
    explicit = explicit_date(doc, tax)
    if explicit:
        return explicit
    good, _ = page_dates(doc, tax)
    if page_type in ("article", "other"):
        head = _heading_line(doc)
        if head is not None:
            for i, hit in good:
                if head <= i <= head + 12:
                    return hit.value.isoformat(), f"text:{hit.method}"
    ud = url_date(doc.url)
    if ud and ud[1]:
        return ud[0].isoformat(), "url"
    if page_type == "article":
        if good:
            return good[0][1].value.isoformat(), f"text:{good[0][1].method}"
        guess = _htmldate(doc, now)
        if guess:
            return guess, "htmldate"
    return None, None
