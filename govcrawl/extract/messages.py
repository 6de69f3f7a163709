"""Published mailbox / message-board letters: title, asked date, answered date, answering unit.

Two shapes are read: a table whose header row names the columns (标题 | 来信时间 | 回复时间 | 答复单位)
and blocks (``li`` / ``div`` / ``dl`` / ``tr``) that label each value (``留言时间：2007-12-01 …
回复时间：2007-12-05 … 答复单位：…``).
"""

from __future__ import annotations

import re

from lxml import etree

from .dates import parse_date_string
from .html import Doc, compact, norm_space, text_of
from .taxonomy import Taxonomy

__all__ = ["board_messages"]

_BLOCK_TAGS = ("li", "dl", "div", "p")


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def _rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for c in table:
        if c.tag == "tr":
            rows.append(c)
        elif c.tag in ("tbody", "thead", "tfoot"):
            rows.extend(r for r in c if r.tag == "tr")
    return rows


def _which(label: str, tax: Taxonomy) -> str | None:
    for key in ("asked", "answered", "unit", "title"):
        if any(w in label for w in tax.board_labels[key]):
            return key
    return None


def _iso(text: str) -> str | None:
    parsed = parse_date_string(text)
    return parsed[0].isoformat() if parsed else None


def _from_tables(doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for table in doc.root.iter("table"):
        rows = _rows(table)
        if len(rows) < 2:
            continue
        header_idx = None
        cols: dict[str, int] = {}
        for i, tr in enumerate(rows[:3]):
            labels = [compact(text_of(c)) for c in _cells(tr)]
            mapping = {}
            for j, lab in enumerate(labels):
                if len(lab) > 12:
                    continue
                key = _which(lab, tax)
                if key and key not in mapping:
                    mapping[key] = j
            if "asked" in mapping and ("answered" in mapping or "unit" in mapping):
                header_idx, cols = i, mapping
                break
        if header_idx is None:
            continue
        for tr in rows[header_idx + 1:]:
            cells = _cells(tr)
            if len(cells) <= max(cols.values()):
                continue
            if "title" in cols:
                title = norm_space(text_of(cells[cols["title"]]))
            else:
                title = ""
                for c in cells:
                    if c.find(".//a") is not None:
                        title = norm_space(text_of(c))
                        break
            asked = _iso(text_of(cells[cols["asked"]]))
            answered = _iso(text_of(cells[cols["answered"]])) if "answered" in cols else None
            unit = norm_space(text_of(cells[cols["unit"]])) if "unit" in cols else None
            if not (title or asked):
                continue
            out.append({"title": title or None, "asked": asked, "answered": answered, "unit": unit or None})
    return out


def _labelled_value(text: str, labels: tuple[str, ...]) -> str | None:
    alt = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    m = re.search(rf"(?:{alt})\s*[:：]\s*([^\n]{{0,60}})", text)
    return m.group(1).strip() if m else None


def _from_blocks(doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    asked_labels = tax.board_labels["asked"]
    answered_labels = tax.board_labels["answered"]
    candidates: list[etree._Element] = []
    for el in doc.root.iter(*_BLOCK_TAGS):
        t = text_of(el)
        if any(w in t for w in asked_labels) and any(w in t for w in answered_labels + tax.board_labels["unit"]):
            candidates.append(el)
    cand_set = set(candidates)
    leaves = [el for el in candidates if not any(d in cand_set for d in el.iterdescendants(*_BLOCK_TAGS))]
    out: list[dict[str, object]] = []
    for el in leaves:
        # one line per text node so that labelled values stay apart
        text = "\n".join(norm_space(t) for t in el.itertext() if t.strip())
        text = re.sub(r"[:：]\s*\n", "：", text)
        asked_raw = _labelled_value(text, asked_labels)
        answered_raw = _labelled_value(text, answered_labels)
        unit = _labelled_value(text, tax.board_labels["unit"])
        title = _labelled_value(text, tax.board_labels["title"])
        if not title:
            a = el.find(".//a")
            title = norm_space(text_of(a)) if a is not None else None
        asked = _iso(asked_raw) if asked_raw else None
        if not asked:
            continue
        answered = _iso(answered_raw) if answered_raw else None
        out.append({"title": title or None, "asked": asked, "answered": answered, "unit": unit or None})
    return out


def board_messages(doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    """Letters with their asked / answered dates, [] when the page shows none."""
    text = doc.text
    if not any(w in text for w in tax.board_labels["asked"]):
        return []
    found = _from_tables(doc, tax)
    seen = {(m["title"], m["asked"]) for m in found}
    for m in _from_blocks(doc, tax):
        if (m["title"], m["asked"]) not in seen and not any(m["asked"] == f["asked"] and f["title"] and m["title"]
                                                          and (m["title"] in f["title"] or f["title"] in m["title"])
                                                          for f in found):
            seen.add((m["title"], m["asked"]))
            found.append(m)
    return found
