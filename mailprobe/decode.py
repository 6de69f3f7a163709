"""Decoding of real-world mail: charsets (GB labels as gb18030, Big5), RFC 2047 headers, QP/base64,
HTML-only bodies; and cutting a reply down to its new text (no quoted original, no signature).

Pure functions, no I/O.
"""
from __future__ import annotations

import re
from email.header import Header, decode_header
from email.message import Message

#: Charset labels seen in Chinese mail, mapped to the Python codec that decodes what they hold.
_CHARSET_MAP = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "x-euc-cn": "gb18030", "csgb2312": "gb18030", "gb_2312-80": "gb18030", "chinese": "gb18030",
    "eucgb2312_cn": "gb18030", "gb18030": "gb18030", "hz-gb-2312": "hz",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cp950": "cp950", "csbig5": "big5hkscs",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode-1-1-utf-7": "utf-7",
    "us-ascii": "utf-8", "ascii": "utf-8", "ansi_x3.4-1968": "utf-8",  # 8-bit junk in "ascii" parts is common
    "iso-8859-1": "cp1252", "latin1": "cp1252", "windows-1252": "cp1252",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
}
_GUESS_ORDER = ("utf-8", "gb18030", "big5hkscs")


def norm_charset(label: str | None) -> str | None:
    """The codec for a MIME charset label (GB labels -> gb18030), or None if unknown/absent."""
    if not label:
        return None
    key = label.strip().strip('"').lower()
    if key in _CHARSET_MAP:
        return _CHARSET_MAP[key]
    import codecs

    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> tuple[str, str]:
    """Decode with the declared charset if it decodes cleanly, else guess; returns (text, codec used)."""
    codec = norm_charset(label)
    if codec:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            pass
    for guess in _GUESS_ORDER:
        try:
            return data.decode(guess), guess
        except UnicodeDecodeError:
            continue
    return data.decode(codec or "gb18030", errors="replace"), codec or "gb18030"


def _raw_header_bytes(value: str) -> bytes | None:
    """compat32 keeps 8-bit header bytes as surrogate escapes: give the bytes back, if any."""
    try:
        value.encode("ascii")
        return None
    except UnicodeEncodeError:
        try:
            return value.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            return None  # already real text


def decode_header_value(value: str | Header | None) -> str:
    """Unfold and decode a header: RFC 2047 words in any charset (gb2312 as gb18030), raw 8-bit bytes."""
    if value is None:
        return ""
    if isinstance(value, Header):  # compat32 hands 8-bit header bytes over as an 'unknown-8bit' Header
        return re.sub(r"\s+", " ", "".join(
            decode_bytes(c, None if cs in (None, "unknown-8bit") else cs)[0] if isinstance(c, bytes) else c
            for c, cs in decode_header(value))).strip()
    value = str(value)
    value = re.sub(r"\r?\n[ \t]+", " ", value)
    raw = _raw_header_bytes(value)
    if raw is not None:
        value = decode_bytes(raw)[0]
    # Encoded words with a lowercase/odd charset or glued to text are common: normalise first.
    value = re.sub(r"\?=\s+=\?", "?==?", value)
    try:
        parts = decode_header(value)
    except Exception:  # malformed encoded word: keep the text as it is
        return value.strip()
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset)[0] if charset else decode_bytes(chunk)[0])
        else:
            out.append(chunk)
    text = "".join(out)
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- bodies

_ATTACHMENT = re.compile(r"attachment", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def part_text(part: Message) -> tuple[str, str]:
    """One text part's content, transfer-decoded (QP/base64) and charset-decoded."""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    if not isinstance(payload, bytes):
        payload = str(payload).encode("utf-8", "surrogateescape")
    return decode_bytes(payload, part.get_content_charset())


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, with line breaks at block elements."""
    import lxml.html

    html = _CONTROL.sub("", html)  # lxml refuses NUL and other control characters
    if not html.strip():
        return ""
    try:
        doc = lxml.html.document_fromstring(html)
    except Exception:  # broken markup: keep the text between the tags
        return re.sub(r"<[^>]+>", " ", html)
    for bad in doc.xpath("//script|//style|//head"):
        bad.drop_tree()
    for br in doc.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    for block in doc.xpath("//p|//div|//tr|//li|//h1|//h2|//h3|//h4|//blockquote|//table"):
        block.tail = "\n" + (block.tail or "")
    for q in doc.xpath("//blockquote"):  # quoted original in HTML replies
        q.text = "\n>>>QUOTE-START<<<\n" + (q.text or "")
    text = doc.text_content()
    text = text.replace("\xa0", " ")
    lines = [ln.strip() for ln in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(msg: Message) -> tuple[str, str | None, bool]:
    """The readable body: first text/plain, else the first text/html turned to text.

    Returns (text, codec, html_only).  Attachments and enclosed messages (message/rfc822) are skipped.
    """
    plain: tuple[str, str] | None = None
    html: tuple[str, str] | None = None

    def walk(part: Message) -> None:
        nonlocal plain, html
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype in ("message/rfc822", "message/delivery-status", "text/rfc822-headers"):
                return
            for sub in part.get_payload():
                walk(sub)
            return
        if _ATTACHMENT.search(str(part.get("Content-Disposition", ""))):
            return
        if ctype == "text/plain" and plain is None:
            plain = part_text(part)
        elif ctype == "text/html" and html is None:
            html = part_text(part)

    if msg.get_content_type() == "message/rfc822":
        return "", None, False
    walk(msg)
    if plain is not None and plain[0].strip():
        return plain[0].replace("\r\n", "\n"), plain[1], False
    if html is not None:
        return html_to_text(html[0]), html[1], True
    return (plain[0] if plain else ""), (plain[1] if plain else None), False


# --------------------------------------------------------------------------- reply text

#: A line that starts the quoted original (Outlook/Foxmail/QQ/163/Gmail/Apple, Chinese and English).
_QUOTE_START = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:Original\s+Message|原始邮件|原始郵件|Forwarded\s+message|转发邮件|回复的原邮件)\s*-{2,}
      | -{5,}\s*$
      | _{10,}\s*$
      | >>>QUOTE-START<<<
      | On\s.{4,200}\swrote:\s*$
      | 在\s?.{2,120}(?:写道|寫道)\s*[:：]\s*$
      | .{2,120}于.{2,60}(?:写道|寫道)\s*[:：]\s*$
      | (?:From|发件人|寄件者|發件人)\s*[:：].+$
    )""",
    re.I | re.X,
)
#: Mobile/webmail taglines and signature separators: what follows is not the reply.
_SIGNATURE = re.compile(
    r"""^\s*(?:
        --\s*$
      | 发自我的\s*(?:iPhone|iPad|手机|华为|小米|荣耀)
      | 发自\s*(?:网易邮箱|QQ邮箱|Outlook|移动彩云|139邮箱|WPS)
      | 来自\s*(?:网易邮箱大师|QQ邮箱|华为|小米)
      | Sent\s+from\s+my\s
      | Get\s+Outlook\s+for
    )""",
    re.I | re.X,
)


def split_reply(text: str) -> tuple[str, str]:
    """Cut a reply into (new text, signature).  Quoted lines ('>') and the quoted original are dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    new: list[str] = []
    sig: list[str] = []
    in_sig = False
    for i, line in enumerate(lines):
        if _QUOTE_START.match(line):
            # "From:" in a body is only a quote header if a Sent/Date/To line follows soon.
            if re.match(r"^\s*(?:From|发件人|寄件者|發件人)\s*[:：]", line, re.I):
                window = "\n".join(lines[i + 1 : i + 5])
                if not re.search(r"^\s*(?:Sent|Date|To|Subject|发送时间|日期|收件人|主题|時間)\s*[:：]", window, re.I | re.M):
                    (sig if in_sig else new).append(line)
                    continue
            break
        if line.lstrip().startswith(">"):
            continue
        if not in_sig and _SIGNATURE.match(line):
            in_sig = True
            if line.strip() == "--":
                continue
        (sig if in_sig else new).append(line)
    out = "\n".join(new).strip()
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out, "\n".join(sig).strip()


MSGID = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")


def message_ids(value: str | None) -> list[str]:
    """Message-IDs in a header value (folded or not), without angle brackets."""
    if not value:
        return []
    return MSGID.findall(re.sub(r"\r?\n[ \t]+", " ", str(value)))
