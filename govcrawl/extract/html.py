"""Decoding and the single parse of a page: everything the extractors share.

``parse_page`` decodes the body (HTTP charset > BOM > meta charset, validated, GB2312/GBK read as
GB18030), builds ONE lxml tree, records the inline scripts, then removes scripts and styles and
walks the tree once to collect the page text (one line per block element), the anchors, element ids,
meta tags and forms.  Every extractor works on the resulting :class:`Doc`; none parses again.
"""

from __future__ import annotations

import codecs
import functools
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

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
    "text_of",
    "resolve_url",
    "same_site",
    "registrable_domain",
]

logger = logging.getLogger(__name__)

# GB2312 and GBK pages routinely use characters outside their declared charset: read them all as GB18030.
_GB_FAMILY = frozenset(
    {"gb2312", "gbk", "cp936", "x-gbk", "gb_2312-80", "csgb2312", "gb-2312", "gb18030", "euc-cn",
     "chinese", "ms936", "windows-936", "gb_2312", "csgbk", "x-gb2312", "gb"}
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0]")
_MULTISPACE_RE = re.compile(r" {2,}")
_NEWLINES_RE = re.compile(r" *\n[ \n]*")
_TEXT_XPATH = etree.XPath("string()")
_EDGE_JUNK_RE = re.compile(r"^[^\w\u4e00-\u9fff]+|[^\w\u4e00-\u9fff）)]+$")
_ID_XPATH = etree.XPath("//*[@id]")
_NESTED_A_XPATH = etree.XPath("//a[.//a]")
_MARK = "\ufdd0"  # a Unicode noncharacter: never in real text (removed from input)
_ALLSPACE_RE = re.compile("[\\s\u200b\ufeff]+")  # \\s covers NBSP, U+3000 and U+2000..U+200A
_HSPACE_RE = re.compile("[^\\S\\n]+|[\u200b\ufeff]+")  # whitespace except newlines

# Elements that start a new text line.
_BLOCK_TAGS = frozenset(
    ["p", "div", "td", "th", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "table",
     "tbody", "thead", "tfoot", "ul", "ol", "dl", "section", "header", "footer", "form", "option", "title",
     "article", "nav", "aside", "main", "center", "hr", "blockquote", "pre", "address", "fieldset", "legend",
     "caption", "figure", "figcaption", "iframe", "select", "textarea", "button"]
)
_NON_LINK_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:", "about:", "vbscript:")


def norm_space(text: str | None) -> str:
    """Collapse every kind of whitespace (incl. NBSP and the ideographic space) into single spaces."""
    if not text:
        return ""
    return _ALLSPACE_RE.sub(" ", text).strip()


def compact(text: str | None) -> str:
    """Remove all whitespace (``首  页`` -> ``首页``)."""
    if not text:
        return ""
    return _ALLSPACE_RE.sub("", text)


def text_of(el: etree._Element) -> str:
    """All text below an element (C-level ``string()``; scripts and styles are already removed)."""
    return str(_TEXT_XPATH(el))


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
    cname: str  # name without decoration (arrows, bullets, brackets at the edges): a column name
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
    source: str
    cache: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All text lines joined with newlines (cached)."""
        t = self.cache.get("text")
        if t is None:
            t = "\n".join(self.lines)
            self.cache["text"] = t
        return t  # type: ignore[return-value]


_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
_EMPTY_DOC = "<html><head></head><body></body></html>"


def _build_tree(text: str) -> etree._Element:
    text = _CONTROL_RE.sub("", _XML_DECL_RE.sub("", text, count=1))
    root = None
    if text.strip():
        try:
            root = etree.fromstring(text, _PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
            logger.debug("unparseable page (%s); using an empty document", exc)
    if root is None:
        root = etree.fromstring(_EMPTY_DOC, _PARSER)
    return root


def resolve_url(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL for an href, or None for javascript:, mailto:, fragments and empty hrefs."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.lower().startswith(_NON_LINK_SCHEMES):
        return None
    if href[:7].lower() == "http://" or href[:8].lower() == "https://":
        return _clean_url(href.split("#", 1)[0])
    href = href.replace("\\", "/") if href.startswith("\\") else href
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    return _clean_url(url.split("#", 1)[0])


def _clean_url(url: str) -> str | None:
    """An absolute URL with a parseable host; whitespace in its path percent-encoded (as browsers do)."""
    if any(c in url for c in " \t\r\n"):
        url = re.sub(r"[\t\r\n]", "", url).replace(" ", "%20")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return url if host and "%20" not in host else None


def _anchor_text(el: etree._Element) -> str:
    """An anchor's own text; with broken markup (an unclosed ``<a>`` swallowing later links) the
    text of nested anchors is left out."""
    out: list[str] = [el.text or ""]

    def walk(parent: etree._Element) -> None:
        for ch in parent:
            if ch.tag in ("li", "tr", "table", "ul", "ol", "dl") and ch.find(".//a") is not None:
                break  # the rest of the list was swallowed by this unclosed link
            if ch.tag != "a" and isinstance(ch.tag, str):
                out.append(ch.text or "")
                walk(ch)
            out.append(ch.tail or "")

    walk(el)
    return "".join(out)


class _Resolver:
    """resolve_url for one base URL, with a fast path for plain relative paths."""

    def __init__(self, base: str) -> None:
        self.base = base
        try:
            parts = urlsplit(base)
        except ValueError:
            parts = urlsplit("http://invalid/")
        self.ok = parts.scheme in ("http", "https") and bool(parts.netloc)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        path = parts.path or "/"
        self.dir_segments = path.split("/")[1:-1]
        self.cache: dict[str, str | None] = {}

    def __call__(self, href: str | None) -> str | None:
        if href is None:
            return None
        hit = self.cache.get(href)
        if hit is not None or href in self.cache:
            return hit
        out = self._resolve(href)
        self.cache[href] = out
        return out

    def _resolve(self, href: str) -> str | None:
        h = href.strip()
        if not self.ok or not h or h[0] in "?#\\" or h.startswith("//") or ":" in h.split("/", 1)[0]:
            return resolve_url(self.base, href)
        h = h.split("#", 1)[0]
        path, sep, query = h.partition("?")
        segs = [] if path.startswith("/") else list(self.dir_segments)
        parts = path.split("/")
        for i, seg in enumerate(parts):
            last = i == len(parts) - 1
            if seg == "..":
                if segs:
                    segs.pop()
                if last:
                    segs.append("")
            elif seg == ".":
                if last:
                    segs.append("")
            elif seg or last:
                segs.append(seg)
        out = self.origin + "/" + "/".join(segs) + (sep + query if sep else "")
        return out if " " not in out and "\t" not in out else _clean_url(out)


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
                title = norm_space(text_of(el))
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

    # Anchor texts first (before the tree gets line markers).
    anchor_els = list(root.iter("a"))
    nested = set(_NESTED_A_XPATH(root))
    anchor_texts = [_anchor_text(el) if el in nested else text_of(el) for el in anchor_els]
    # Line structure without a Python-level walk: every block element gets a newline before and after
    # it, every anchor a marker character; one C-level string() then yields the page text.
    for el in root.iter(*_BLOCK_TAGS):
        t = el.text
        el.text = "\n" + t if t else "\n"
        t = el.tail
        el.tail = "\n" + t if t else "\n"
    for el in anchor_els:
        t = el.text
        el.text = _MARK + t if t else _MARK
    raw_text = text_of(root)
    for el in anchor_els:
        el.text = el.text[1:] or None
    joined = _NEWLINES_RE.sub("\n", _HSPACE_RE.sub(" ", raw_text)).strip()
    lines: list[str] = []
    anchor_lines: list[int] = []
    for raw in joined.split("\n"):
        if _MARK in raw:
            anchor_lines.extend([len(lines)] * raw.count(_MARK))
            raw = raw.replace(_MARK, "").strip()
            if not raw:
                continue
        lines.append(raw)

    ids: dict[str, etree._Element] = {}
    for el in _ID_XPATH(root):
        i = el.get("id")
        if i and i not in ids:
            ids[i] = el
    forms: list[dict[str, object]] = [{"action": el.get("action") or "", "el": el} for el in root.iter("form")]
    badge_imgs = [src for src in (el.get("src") or "" for el in root.iter("img")) if "conac" in src.lower()]

    resolver = _Resolver(base_url)
    anchors: list[Anchor] = []
    anchor_by_el: dict[etree._Element, Anchor] = {}
    n_lines = len(lines)
    for idx, el in enumerate(anchor_els):
        raw = el.get("href") or ""
        txt = norm_space(anchor_texts[idx])
        own = bool(txt)
        if not txt:
            for img in el.iter("img"):
                txt = norm_space(img.get("alt") or img.get("title"))
                if txt:
                    break
            if not txt:
                txt = norm_space(el.get("title"))
        ln = anchor_lines[idx] if idx < len(anchor_lines) else n_lines
        name = txt.replace(" ", "")
        cname = _EDGE_JUNK_RE.sub("", name) if name and not (name[0].isalnum() and name[-1].isalnum()) else name
        a = Anchor(el, idx, raw, resolver(raw), txt, name, cname, min(ln, max(0, n_lines - 1)), own)
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
        source=text,
    )


def registrable_domain(host: str) -> str:
    """The organisation's domain of a host: ``gzns.gov.cn`` for www.gzns.gov.cn, ``ccgp.gov.cn`` etc."""
    host = (host or "").lower().rstrip(".")
    parts = host.split(".")
    if len(parts) >= 3 and parts[-1] == "cn" and parts[-2] in {"gov", "com", "net", "org", "edu", "ac"}:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


@functools.lru_cache(maxsize=8192)
def _hostname(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def same_site(url: str | None, host: str) -> bool:
    """True when ``url`` stays on the site of ``host`` (same registrable domain)."""
    if not url:
        return False
    h = _hostname(url)
    if not h or not host:
        return False
    return h == host or registrable_domain(h) == registrable_domain(host)
