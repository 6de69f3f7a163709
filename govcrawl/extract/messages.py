"""Published mailbox / message-board letters: title, asked date, answered date, answering unit, status.

Three shapes are read:

* a table whose header row names the columns (标题 | 来信时间 | 回复时间 | 答复单位 | 状态);
* blocks (``li`` / ``div`` / ``dl`` / ``p``) that label each value (``留言时间：2007-12-01 …
  回复时间：2007-12-05 … 答复单位：…``), with or without a reply date (``[未回复]``);
* a detail page showing one letter with its answer (``留言内容`` / ``答复内容`` / ``答复时间`` /
  ``答复单位`` as label cells or ``label：value`` lines): one message marked ``detail: True``.

Every message is ``{title, asked, answered, unit, status, url}`` (``status``: "answered", "unanswered" or
None when the page does not say; ``url``: the letter's detail page - the page itself for a detail page).
``board_form`` tells whether the page carries a posting form and whether it needs a real-name login or a
captcha.
"""

from __future__ import annotations

import re

from lxml import etree

from .dates import parse_date_string
from .html import Doc, compact, norm_space, resolve_url, text_of
from .taxonomy import Taxonomy

__all__ = ["board_form", "board_messages", "message_status"]

_BLOCK_TAGS = ("li", "dl", "div", "p")
_KEYS = ("asked", "answered", "unit", "status", "title")
_CAPTCHA_NAME_RE = re.compile(r"yzm|captcha|checkcode|check_code|validate|verify|randcode|rand_code|authcode|vcode|imgcode|seccode",
                              re.IGNORECASE)
_EMPTY_REPLY_RE = re.compile(r"^(?:暂无|无|暂未|尚未|正在|待)")


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
    for key in _KEYS:
        if any(w in label for w in tax.board_labels[key]):
            return key
    return None


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    parsed = parse_date_string(text)
    return parsed[0].isoformat() if parsed else None


def message_status(text: str | None, tax: Taxonomy) -> str | None:
    """"unanswered" / "answered" from a status text (已回复, 未回复, 办理中 ...), None when it says neither."""
    t = compact(text)
    if not t:
        return None
    if any(w in t for w in tax.board_labels["status_unanswered"]):
        return "unanswered"
    if any(w in t for w in tax.board_labels["status_answered"]):
        return "answered"
    return None


def _link_url(doc: Doc, el: etree._Element) -> str | None:
    a = el if el.tag == "a" else el.find(".//a")
    if a is None:
        return None
    anchor = doc.anchor_by_el.get(a)
    if anchor is not None:
        return anchor.url
    return resolve_url(doc.base_url, a.get("href"))


def _message(title: str | None, asked: str | None, answered: str | None, unit: str | None,
             status: str | None, url: str | None) -> dict[str, object]:
    if answered and status is None:
        status = "answered"
    return {"title": title or None, "asked": asked, "answered": answered, "unit": unit or None,
            "status": status, "url": url}


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
            if any(_iso(lab) for lab in labels):
                continue  # a row holding dates is data (or a detail page's label/value row), not a header
            mapping = {}
            for j, lab in enumerate(labels):
                if len(lab) > 12:
                    continue
                key = _which(lab, tax)
                if key and key not in mapping:
                    mapping[key] = j
            if "asked" not in mapping and ("status" in mapping or "answered" in mapping):
                bare = [j for j, lab in enumerate(labels) if lab in tax.board_labels["asked_bare"] and j not in mapping.values()]
                if bare:
                    mapping["asked"] = bare[0]
            if "asked" in mapping and ("answered" in mapping or "unit" in mapping or "status" in mapping):
                header_idx, cols = i, mapping
                break
        if header_idx is None:
            continue
        for tr in rows[header_idx + 1:]:
            cells = _cells(tr)
            if len(cells) <= max(cols.values()):
                continue
            title_cell = cells[cols["title"]] if "title" in cols else next(
                (c for c in cells if c.find(".//a") is not None), None)
            title = norm_space(text_of(title_cell)) if title_cell is not None else ""
            url = _link_url(doc, title_cell) if title_cell is not None else None
            if url is None:
                url = _link_url(doc, tr)
            asked = _iso(text_of(cells[cols["asked"]]))
            answered_text = text_of(cells[cols["answered"]]) if "answered" in cols else ""
            answered = _iso(answered_text)
            unit = norm_space(text_of(cells[cols["unit"]])) if "unit" in cols else None
            status = message_status(text_of(cells[cols["status"]]), tax) if "status" in cols else None
            if status is None and not answered:
                status = message_status(answered_text, tax)
                if status is None and "answered" in cols:
                    status = "unanswered"  # the reply-date column is empty
            if not (title or asked):
                continue
            out.append(_message(title, asked, answered, unit, status, url))
    return out


def _labelled_value(text: str, labels: tuple[str, ...]) -> str | None:
    alt = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    m = re.search(rf"(?:{alt})\s*[:：]\s*([^\n]{{0,60}})", text)
    return m.group(1).strip() if m else None


def _block_text(el: etree._Element) -> str:
    # one line per text node so that labelled values stay apart
    text = "\n".join(norm_space(t) for t in el.itertext() if t.strip())
    return re.sub(r"[:：]\s*\n", "：", text)


def _from_blocks(doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    labels = tax.board_labels
    asked_labels = labels["asked"]
    candidates: list[etree._Element] = []
    for el in doc.root.iter(*_BLOCK_TAGS):
        t = text_of(el)
        if any(w in t for w in asked_labels):
            candidates.append(el)
    cand_set = set(candidates)
    leaves = [el for el in candidates if not any(d in cand_set for d in el.iterdescendants(*_BLOCK_TAGS))]
    out: list[dict[str, object]] = []
    for el in leaves:
        text = _block_text(el)
        asked = _iso(_labelled_value(text, asked_labels))
        if not asked:
            continue
        answered_raw = _labelled_value(text, labels["answered"])
        answered = _iso(answered_raw)
        unit = _labelled_value(text, labels["unit"])
        title = _labelled_value(text, labels["title"])
        a = el.find(".//a")
        if not title and a is not None:
            title = norm_space(text_of(a))
        url = _link_url(doc, a) if a is not None else None
        rest = text.replace(title, "") if title else text
        status = message_status(_labelled_value(rest, labels["status"]), tax) or message_status(rest, tax)
        if status is None and answered_raw is not None and not answered:
            status = "unanswered"  # 回复时间： with no date
        out.append(_message(title, asked, answered, unit, status, url))
    return out


# ------------------------------------------------------------------ detail pages


def _label_key(line: str, tax: Taxonomy) -> tuple[str, str] | None:
    """(key, value after the colon) when a text line is a label, or starts with ``label：``."""
    labels = tax.board_labels
    for key in ("asked", "answered", "unit", "status", "reply_content", "content", "title"):
        for w in sorted(labels[key], key=len, reverse=True):
            if line == w or line.rstrip(":：") == w:
                return key, ""
            if line.startswith(w) and line[len(w):len(w) + 1] in (":", "："):
                return key, line[len(w) + 1:].strip()
    return None


def _detail(doc: Doc, tax: Taxonomy) -> dict[str, object] | None:
    """The one letter of a detail page: labels (cells or ``label：value`` lines) give its values."""
    lines = [norm_space(t) for t in doc.root.itertext() if t and t.strip()]
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        hit = _label_key(line.replace(" ", ""), tax) if len(line) <= 80 else None
        if hit is None:
            continue
        key, value = hit
        if not value and i + 1 < len(lines) and _label_key(lines[i + 1].replace(" ", ""), tax) is None:
            value = lines[i + 1]
        found.setdefault(key, value)
    asked = _iso(found.get("asked"))
    if not asked or not ("content" in found or "reply_content" in found):
        return None
    answered = _iso(found.get("answered"))
    status = message_status(found.get("status"), tax)
    reply = found.get("reply_content")
    if status is None and not answered:
        if reply is not None and reply and not _EMPTY_REPLY_RE.match(reply) and message_status(reply, tax) is None:
            status = "answered"
        elif "reply_content" in found or "answered" in found:
            status = "unanswered"
    title = found.get("title")
    if not title:
        for tag in ("h1", "h2", "h3"):
            el = next(doc.root.iter(tag), None)
            if el is not None and norm_space(text_of(el)):
                title = norm_space(text_of(el))
                break
    if not title and doc.title:
        title = re.split(r"\s*[-_|－—]\s*", doc.title)[0]
    unit = found.get("unit")
    if unit and (_iso(unit) or _label_key(unit, tax)):
        unit = None
    msg = _message(title, asked, answered, unit, status, doc.url)
    msg["detail"] = True
    return msg


def board_messages(doc: Doc, tax: Taxonomy) -> list[dict[str, object]]:
    """Letters with their asked / answered dates, [] when the page shows none."""
    text = doc.text
    labels = tax.board_labels
    if not any(w in text for w in labels["asked"]) and not (
            any(w in text for w in labels["asked_bare"]) and any(w in text for w in labels["status"] + labels["answered"])):
        return []
    found = _from_tables(doc, tax)
    seen = {(m["title"], m["asked"]) for m in found}
    for m in _from_blocks(doc, tax):
        if (m["title"], m["asked"]) not in seen and not any(m["asked"] == f["asked"] and f["title"] and m["title"]
                                                          and (m["title"] in f["title"] or f["title"] in m["title"])
                                                          for f in found):
            seen.add((m["title"], m["asked"]))
            found.append(m)
    if len(found) <= 1:
        detail = _detail(doc, tax)
        if detail is not None and (not found or found[0]["asked"] == detail["asked"]):
            if found:  # what the single block said, completed by the labels
                for k, v in found[0].items():
                    if detail.get(k) is None and k != "url":
                        detail[k] = v
            return [detail]
    return found


# ------------------------------------------------------------------ posting forms


def _is_captcha(el: etree._Element, tax: Taxonomy) -> bool:
    for x in el.iter("input", "img"):
        attrs = " ".join(x.get(k) or "" for k in ("name", "id", "src", "alt", "class"))
        if _CAPTCHA_NAME_RE.search(attrs) or any(w in attrs for w in tax.board_labels["captcha"]):
            return True
    return any(w in text_of(el) for w in tax.board_labels["captcha"])


def board_form(doc: Doc, tax: Taxonomy) -> dict[str, bool] | None:
    """{real_name, captcha} for the page's posting form (a form with a text area, or a login form on a page
    that asks to log in before writing), None when the page has none."""
    page_text = compact(doc.text)
    real_name_page = any(w in page_text for w in tax.board_labels["real_name"])
    posting = []
    for form in doc.forms:
        el = form["el"]
        assert isinstance(el, etree._Element)
        has_area = next(el.iter("textarea"), None) is not None
        login = any((i.get("type") or "").lower() == "password" for i in el.iter("input"))
        if has_area or (login and real_name_page):
            posting.append((el, login))
    if not posting:
        return None
    real_name = real_name_page or any(login for _, login in posting)
    return {"real_name": bool(real_name), "captcha": any(_is_captcha(el, tax) for el, _ in posting)}
