"""Decoding and the single parse of a page: everything the extractors share.

``parse_page`` decodes the body (HTTP charset > BOM > meta charset, validated, GB2312/GBK read as
GB18030), builds ONE lxml.html tree, records the inline scripts, then removes scripts and styles and
walks the tree once to collect the page text (one line per block element), the anchors, element ids,
meta tags and forms.  Every extractor works on the resulting :class:`Doc`; none parses again.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

__all__ = [
    "Anchor",
    "Doc",
    "decode_body",
    "normalize_encoding",
    "parse_page",
    "norm_space",
    "compact",
    "hint_of",
]

logger = logging.getLogger(__name__)

# GB2312 and GBK pages routinely use characters outside their declared charset: read them all as GB18030.
_GB_FAMILY = frozenset(
    {"gb2312", "gbk", "cp936", "x-gbk", "gb_2312-80", "csgb2312", "gb-2312", "gb18030", "euc-cn",
     "chinese", "ms936", "windows-936", "gb_2312", "csgbk", "x-gb2312", "gb"}
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = str.maketrans({c: " " for c in "\xa0\u3000\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\ufeff\t\r\f\v\n"})
_MULTISPACE_RE = re.compile(r" {2,}")
_ALLSPACE_RE = re.compile(r"\s+")

_BLOCK_TAGS = frozenset(
    "p div td th li tr br h1 h2 h3 h4 h5 h6 dt dd table tbody thead tfoot ul ol dl section header footer "
    "form option title article nav aside main center hr blockquote pre address fieldset legend caption "
    "figure figcaption iframe select textarea button".split()
)
_NON_LINK_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:", "about:", "vbscript:")


def norm_space(text: str | None) -> str:
    """Collapse every kind of whitespace (incl. NBSP and the ideographic space) into single spaces."""
    if not text:
        return ""
    return _MULTISPACE_RE.sub(" ", text.translate(_SPACES)).strip()


def compact(text: str | None) -> str:
    """Remove all whitespace (``首  页`` -> ``首页``)."""
    if not text:
        return ""
    return _ALLSPACE_RE.sub("", text.translate(_SPACES))


def hint_of(el: etree._Element) -> str:
    """id and class of an element, lowercased, for navigation hints."""
    i = el.get("id")
    c = el.get("class")
    if i and c:
        return (i + " " + c).lower()
    return (i or c or "").lower()


def normalize_encoding(label: str | None) -> str | None:
    """A Python codec name for a charset label; the GB family maps to gb18030; unknown labels to None."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in {"gb2312", "gbk"}:
        return "gb18030"
    return codec


def _bom_encoding(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith(codecs.BOM_UTF16_LE) or body.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return None


def _meta_encoding(body: bytes) -> str | None:
    m = _META_CHARSET_RE.search(body[:8192])
    return normalize_encoding(m.group(1).decode("ascii", "ignore")) if m else None


def decode_body(body: bytes | str, http_encoding: str | None = None) -> tuple[str, str | None]:
    """Decode a page body; returns (text, encoding actually used).

    Order: HTTP charset, BOM, meta charset; each is validated by a strict decode, and a page whose
    bytes are valid multi-byte UTF-8 is read as UTF-8 even when it declares a GB charset (a GB18030
    decode of UTF-8 bytes "succeeds" but yields mojibake).  Then UTF-8, then GB18030; as a last resort
    the first candidate with replacement characters.
    """
    if isinstance(body, str):
        return body, None
    declared: list[str] = []
    for enc in (normalize_encoding(http_encoding), _bom_encoding(body), _meta_encoding(body)):
        if enc and enc not in declared:
            declared.append(enc)
    utf8_ok = False
    try:
        body.decode("utf-8")
        utf8_ok = True
    except UnicodeDecodeError:
        pass
    has_high = utf8_ok and not body.isascii()
    candidates: list[str] = []
    for enc in declared:
        if enc == "gb18030" and utf8_ok and has_high:
            candidates.append("utf-8")
        candidates.append(enc)
    candidates += ["utf-8", "gb18030"]
    seen: set[str] = set()
    for enc in candidates:
        if enc in seen:
            continue
        seen.add(enc)
        try:
            text = body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        used = "utf-8" if enc == "utf-8-sig" else enc
        if declared and used != declared[0] and not (declared[0] == "utf-8-sig" and used == "utf-8"):
            logger.debug("declared charset %s does not fit the bytes; decoded as %s", declared[0], used)
        return text.lstrip("\ufeff"), used
    fallback = declared[0] if declared else "utf-8"
    return body.decode(fallback, errors="replace"), fallback


@dataclass(slots=True)
class Anchor:
    """One ``<a>`` of the page (scripts removed), in document order."""

    el: etree._Element
    index: int
    raw_href: str
    url: str | None  # absolute http(s) URL, or None for javascript:, mailto:, '#', empty
    text: str  # visible text, whitespace-normalised; falls back to img alt / title when empty
    name: str  # text with all whitespace removed
    line: int  # index of the text line where the anchor starts
    own_text: bool  # True when ``text`` is the anchor's own visible text (not alt/title)


@dataclass(slots=True)
class Doc:
    """The parsed page shared by all extractors."""

    url: str
    base_url: str
    root: etree._Element
    encoding: str | None
    title: str
    meta: dict[str, str]
    scripts: list[str]
    script_srcs: list[str]
    script_attrs: list[dict[str, str]]
    lines: list[str]
    anchors: list[Anchor]
    anchor_by_el: dict[etree._Element, Anchor]
    ids: dict[str, etree._Element]
    forms: list[dict[str, object]]
    badge_imgs: list[str]
    host: str
    cache: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All text lines joined with newlines (cached)."""
        t = self.cache.get("text")
        if t is None:
            t = "\n".join(self.lines)
            self.cache["text"] = t
        return t  # type: ignore[return-value]


_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)


def _build_tree(text: str) -> etree._Element:
    text = _CONTROL_RE.sub("", _XML_DECL_RE.sub("", text, count=1))
    if text.strip():
        try:
            return lxml.html.document_fromstring(text, parser=_PARSER)
        except (etree.ParserError, ValueError) as exc:
            logger.debug("unparseable page (%s); using an empty document", exc)
    return lxml.html.document_fromstring("<html><head></head><body></body></html>", parser=_PARSER)


def resolve_url(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL for an href, or None for javascript:, mailto:, fragments and empty hrefs."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.lower().startswith(_NON_LINK_SCHEMES):
        return None
    href = href.replace("\\", "/") if href.startswith("\\") else href
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    return url.split("#", 1)[0]


def parse_page(body: bytes | str, url: str, http_encoding: str | None = None) -> Doc:
    """Decode and parse ``body`` once, returning the shared :class:`Doc`."""
    text, encoding = decode_body(body, http_encoding)
    root = _build_tree(text)

    meta: dict[str, str] = {}
    title = ""
    base_url = url
    for el in root.iter("meta", "title", "base"):
        tag = el.tag
        if tag == "meta":
            key = (el.get("name") or el.get("property") or el.get("itemprop") or "").strip().lower()
            if key and key not in meta:
                meta[key] = (el.get("content") or "").strip()
        elif tag == "title":
            if not title:
                title = norm_space(el.text_content())
        elif el.get("href"):
            base_url = urljoin(url, el.get("href").strip())

    scripts: list[str] = []
    script_srcs: list[str] = []
    script_attrs: list[dict[str, str]] = []
    for s in root.iter("script"):
        if s.text and s.text.strip():
            scripts.append(s.text)
        src = s.get("src")
        if src:
            script_srcs.append(src)
        if len(s.attrib) > 1 or (s.attrib and not src):
            script_attrs.append(dict(s.attrib))
    etree.strip_elements(root, "script", "style", "template", with_tail=False)

    buf: list[str] = []
    ap = buf.append
    line = 0
    anchor_els: list[tuple[etree._Element, int]] = []
    ids: dict[str, etree._Element] = {}
    forms: list[dict[str, object]] = []
    badge_imgs: list[str] = []
    block = _BLOCK_TAGS
    for ev, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if ev == "start":
            if tag in block:
                ap("\n")
                line += 1
            i = el.get("id")
            if i and i not in ids:
                ids[i] = el
            if tag == "a":
                anchor_els.append((el, line))
            elif tag == "img":
                src = el.get("src") or ""
                if "conac" in src.lower():
                    badge_imgs.append(src)
            elif tag == "form":
                forms.append({"action": el.get("action") or "", "el": el})
            t = el.text
            if t:
                if "\n" in t:
                    t = t.replace("\r", " ").replace("\n", " ")
                ap(t)
        else:
            if tag in block:
                ap("\n")
                line += 1
            t = el.tail
            if t:
                if "\n" in t:
                    t = t.replace("\r", " ").replace("\n", " ")
                ap(t)
    lines = [norm_space(x) for x in "".join(buf).split("\n")]

    anchors: list[Anchor] = []
    anchor_by_el: dict[etree._Element, Anchor] = {}
    for idx, (el, ln) in enumerate(anchor_els):
        raw = el.get("href") or ""
        txt = norm_space(el.text_content())
        own = bool(txt)
        if not txt:
            for img in el.iter("img"):
                txt = norm_space(img.get("alt") or img.get("title"))
                if txt:
                    break
            if not txt:
                txt = norm_space(el.get("title"))
        a = Anchor(el, idx, raw, resolve_url(base_url, raw), txt, compact(txt), ln, own)
        anchors.append(a)
        anchor_by_el[el] = a

    host = (urlsplit(url).hostname or "").lower()
    return Doc(
        url=url,
        base_url=base_url,
        root=root,
        encoding=encoding,
        title=title,
        meta=meta,
        scripts=scripts,
        script_srcs=script_srcs,
        script_attrs=script_attrs,
        lines=lines,
        anchors=anchors,
        anchor_by_el=anchor_by_el,
        ids=ids,
        forms=forms,
        badge_imgs=badge_imgs,
        host=host,
    )


def registrable_domain(host: str) -> str:
    """The organisation's domain of a host: ``gzns.gov.cn`` for www.gzns.gov.cn, ``ccgp.gov.cn`` etc."""
    host = (host or "").lower().rstrip(".")
    parts = host.split(".")
    if len(parts) >= 3 and parts[-1] == "cn" and parts[-2] in {"gov", "com", "net", "org", "edu", "ac"}:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def same_site(url: str | None, host: str) -> bool:
    """True when ``url`` stays on the site of ``host`` (same registrable domain)."""
    if not url:
        return False
    h = (urlsplit(url).hostname or "").lower()
    if not h or not host:
        return False
    return h == host or registrable_domain(h) == registrable_domain(host)
