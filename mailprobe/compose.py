"""Choose a site's consultation address and compose its one polite question.

Pure: (site, latest snapshot, config) -> address choice and message.  The token is derived from
(campaign, site id), so a dry run prints exactly the message a real run sends, and a second run
can never mint a second probe for the same site.
"""
from __future__ import annotations

import base64
import email
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Iterable, Mapping

from .config import Campaign, Config

#: Crockford base32 (no I, L, O, U): a token survives being read aloud or retyped.
_B32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")

#: Context words of a consultation channel, best first (领导信箱 > 咨询 > generic).
_PREFERRED = [
    (3, re.compile(r"(?:书记|市长|县长|区长|局长|主任|厅长|镇长|乡长|领导|主席|院长|社长|站长)信箱|领导信箱")),
    (2, re.compile(r"咨询|留言|问政|互动|公众参与|意见建议|建议|在线交流")),
    (1, re.compile(r"邮箱|电子邮件|e-?mail|联系|办公室", re.I)),
]
#: Never probe petition, complaint or discipline-report channels (STANDARDS.md section 4).
_EXCLUDED_CONTEXT = re.compile(r"信访|纪检|纪委|监察|举报|投诉|检举|控告|巡察|巡视")
_EXCLUDED_LOCAL = re.compile(r"xinfang|^xf[bj]$|jubao|jijian|jjjc|jiwei|tousu|jianju|xunshi|xuncha", re.I)
_FORM_RANK = {"mailto": 2, "text": 1, "obfuscated": 0}


@dataclass(frozen=True)
class AddressChoice:
    address: str | None
    source: str  # registry | crawl | none
    context: str = ""
    rejected: tuple[tuple[str, str], ...] = ()  # (address, why) for the record


def make_token(campaign: str, site_id: str) -> str:
    digest = hashlib.sha256(f"mailprobe\0{campaign}\0{site_id}".encode()).digest()
    return "MP" + base64.b32encode(digest).decode()[:10].translate(_B32)


def probe_id(campaign: str, site_id: str) -> str:
    return f"{campaign}/{site_id}"


def _clean(address: str) -> str:
    a = address.strip().strip("<>").strip().lower()
    a = a.replace("（at）", "@").replace("(at)", "@").replace("#", "@") if "@" not in a else a
    return a.rstrip(".;,，。")


def choose_address(site: Mapping[str, Any], snapshot: Mapping[str, Any] | None, campaign: Campaign) -> AddressChoice:
    """Registry e-mails first, else the best consultation address of the latest crawl."""
    rejected: list[tuple[str, str]] = []
    for raw in site.get("emails") or []:
        a = _clean(str(raw))
        local = a.split("@", 1)[0]
        if "@" not in a:
            rejected.append((a, "not an address"))
        elif _EXCLUDED_LOCAL.search(local):
            rejected.append((a, "petition or discipline-report mailbox"))
        elif not campaign.allows(a):
            rejected.append((a, "outside the campaign's allowed domains"))
        else:
            return AddressChoice(a, "registry", "registry", tuple(rejected))
    candidates = []
    for i, e in enumerate((snapshot or {}).get("emails") or []):
        a = _clean(str(e.get("address", "")))
        ctx = str(e.get("context") or "")
        if "@" not in a:
            continue
        if _EXCLUDED_CONTEXT.search(ctx) or _EXCLUDED_LOCAL.search(a.split("@", 1)[0]):
            rejected.append((a, "petition, complaint or discipline-report channel"))
            continue
        if not campaign.allows(a):
            rejected.append((a, "outside the campaign's allowed domains"))
            continue
        rank = next((r for r, rx in _PREFERRED if rx.search(ctx)), 0)
        candidates.append((-rank, -_FORM_RANK.get(str(e.get("form")), 0), i, a, ctx))
    if candidates:
        candidates.sort()
        _r, _f, _i, a, ctx = candidates[0]
        return AddressChoice(a, "crawl", ctx, tuple(rejected))
    return AddressChoice(None, "none", "", tuple(rejected))


def short_name(name: str) -> str:
    """'北京市平谷区人民政府' -> '平谷区' style place name for the question text."""
    m = re.search(r"([\u4e00-\u9fff]{1,6}?(?:市|县|区|旗|州|盟))(?:人民政府)?$", name)
    return m.group(1) if m else "本地"


def question_terms(campaign: Campaign, group: str | None) -> list[str]:
    return list(campaign.template_for(group).keywords)


@dataclass(frozen=True)
class Composed:
    """A probe message as the bytes SMTP will carry, less the Date header (added when sent)."""

    to: str
    subject: str
    message_id: str
    head: bytes
    body: bytes

    def with_date(self, date: dt.datetime) -> bytes:
        return self.head + f"Date: {format_datetime(date)}\r\n".encode() + self.body

    def message(self, date: dt.datetime | None = None) -> EmailMessage:
        raw = self.with_date(date) if date is not None else self.head + self.body
        return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def _word(text: str) -> str:
    """RFC 2047 (base64, utf-8) for non-ASCII header text, folded with CRLF."""
    if text.isascii():
        return text
    return Header(text, "utf-8", maxlinelen=76).encode().replace("\n", "\r\n")


def compose_raw(config: Config, site: Mapping[str, Any], to: str, token: str) -> Composed:
    """The probe: token in the Message-ID, a subject tag and the body; built straight as bytes."""
    c = config.campaign
    t = c.template_for(site.get("group"))
    values = {
        "name": site.get("name") or site.get("_id"), "short": short_name(str(site.get("name") or "")),
        "site_id": site.get("_id"), "host": site.get("host") or "", "group": site.get("group") or "",
        "sender_name": config.sender_name,
    }
    subject = t.subject.format(**values) + f" [编号{token}]"
    body = t.body.format(**values).rstrip() + "\n\n"
    if config.sender_name:
        body += f"{config.sender_name}\n"
    body += f"（咨询编号：{token}，回复时请保留此编号）\n"
    mid = message_id(token, c.name, config.sender_domain)
    sender = f"{_word(config.sender_name)} <{config.sender_address}>" if config.sender_name else config.sender_address
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {_word(subject)}\r\nMessage-ID: {mid}\r\n"
        f"X-Mailprobe-Token: {token}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n"
    ).encode("ascii")
    payload = base64.encodebytes(body.replace("\n", "\r\n").encode("utf-8")).replace(b"\n", b"\r\n")
    return Composed(to=to, subject=subject, message_id=mid, head=head, body=b"\r\n" + payload)


def compose(config: Config, site: Mapping[str, Any], to: str, token: str, date: dt.datetime | None = None) -> EmailMessage:
    """The probe as an :class:`EmailMessage` (parsed from the exact bytes that are sent)."""
    return compose_raw(config, site, to, token).message(date)


def message_id(token: str, campaign: str, domain: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", campaign).strip("-").lower() or "c"
    return f"<{token}.{slug}@{domain}>"


def render(msg: EmailMessage | Composed) -> str:
    """Human-readable form for --dry-run: headers decoded, body as text."""
    from .decode import decode_header_value

    if isinstance(msg, Composed):
        msg = msg.message()
    lines = [f"{k}: {decode_header_value(v)}" for k, v in msg.items() if k.lower() not in ("content-type", "content-transfer-encoding", "mime-version")]
    if msg["Date"] is None:
        lines.append("Date: (set when sent)")
    return "\n".join(lines) + "\n\n" + msg.get_content()


def unique_sites(sites: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    seen: set[str] = set()
    out = []
    for s in sites:
        if s["_id"] not in seen:
            seen.add(s["_id"])
            out.append(s)
    return out
