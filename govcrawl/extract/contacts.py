"""Consultation e-mail addresses: ``mailto:`` links, plain text, and obfuscated forms
(``xxgk#xys.gov.cn``, ``xxgk(at)xys.gov.cn``, ``xxgk[at]…``, ``xxgk AT …``, full-width ``＠``)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from .html import Doc

__all__ = ["emails"]

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_TLDS = r"(?:cn|com|net|org|gov|edu|info|cc|biz|mil|int|hk|mo|tw)"
_PLAIN_RE = re.compile(rf"(?<![A-Za-z0-9._%+\-])({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z]{{2,10}})(?![A-Za-z0-9\-])")
_DOT = r"\s*(?:\.|\(dot\)|\[dot\]|（dot）|\s+dot\s+|。)\s*"
_SEP = r"(?:\s*(?:#|＠|﹫)\s*|\s*(?:\(at\)|\[at\]|（at）|\{at\}|<at>)\s*|\s+(?:at|AT)\s+|\s*\(AT\)\s*|\s*\[AT\]\s*)"
_OBF_RE = re.compile(
    rf"(?<![A-Za-z0-9._%+\-#])({_LOCAL}){_SEP}((?:{_LABEL}{_DOT})+{_TLDS})(?![A-Za-z0-9\-])",
    re.IGNORECASE,
)
_DOT_NORM_RE = re.compile(_DOT, re.IGNORECASE)


def _clean(local: str, domain: str) -> str | None:
    local = local.strip(".").lower()
    domain = _DOT_NORM_RE.sub(".", domain).strip(".").lower()
    if not local or "." not in domain or ".." in domain:
        return None
    return f"{local}@{domain}"


def emails(doc: Doc) -> tuple[list[str], list[dict[str, str]]]:
    """(addresses in page order, lowercased and deduplicated; [{address, form}] with the form
    ``mailto`` / ``text`` / ``obfuscated`` of each address's first occurrence)."""
    found: list[tuple[int, int, str, str]] = []
    for a in doc.anchors:
        raw = a.raw_href.strip()
        if raw[:7].lower() == "mailto:":
            for part in unquote(raw[7:]).split("?")[0].split(","):
                m = _PLAIN_RE.search(part.strip())
                if m:
                    addr = _clean(m.group(1), m.group(2))
                    if addr:
                        found.append((a.line, -1, addr, "mailto"))
    for i, line in enumerate(doc.lines):
        if not line:
            continue
        has_at = "@" in line
        if has_at:
            for m in _PLAIN_RE.finditer(line):
                addr = _clean(m.group(1), m.group(2))
                if addr:
                    found.append((i, m.start(), addr, "text"))
        if "#" in line or "＠" in line or "﹫" in line or "at" in line.lower():
            for m in _OBF_RE.finditer(line):
                addr = _clean(m.group(1), m.group(2))
                if addr:
                    found.append((i, m.start(), addr, "obfuscated"))
    found.sort(key=lambda x: (x[0], x[1]))
    order: list[str] = []
    forms: list[dict[str, str]] = []
    seen: set[str] = set()
    for _, _, addr, form in found:
        if addr in seen:
            continue
        seen.add(addr)
        order.append(addr)
        forms.append({"address": addr, "form": form})
    return order, forms
