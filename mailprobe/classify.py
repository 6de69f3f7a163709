"""Judge one raw message: bounce, auto-reply, challenge/spam notice, human reply or other.

Pure: ``classify(raw_bytes) -> Verdict``; no I/O, no clock.  ``collect`` and the ``classify``
command use this same function.  Order matters (notes/mail-world.md #7): bounces first (Postfix
DSNs carry ``Auto-Submitted: auto-replied``), then challenges, then auto-replies.
"""
from __future__ import annotations

import email
import re
from dataclasses import asdict, dataclass, field
from email import policy
from email.message import Message
from email.utils import parseaddr
from typing import Any

from .decode import body_text, decode_bytes, decode_header_value, message_ids, part_text, split_reply  # noqa: F401

#: Bump when the rules change; ``collect --reclassify`` re-judges older verdicts.
CLASSIFIER_VERSION = 3

KINDS = ("bounce", "auto_reply", "challenge", "human_reply", "other")

#: A probe token: "MP" + 10 Crockford base32 characters (see compose.make_token).
TOKEN_RE = re.compile(r"(?<![0-9A-Za-z])(MP[0-9A-HJKMNP-TV-Z]{10})(?![0-9A-Za-z])")

# DSN status classes (RFC 3463)
STATUS_PERMANENT = "5"
STATUS_TRANSIENT = "4"

_BOUNCE_FROM = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|mdaemon|bounce|bounces|nobody|mail\.delivery\.system|microsoftexchange[0-9a-f]*)@", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered mail|delivery status notification|delivery (?:has )?failed|failure notice|"
    r"mail delivery failed|returned mail|delivery failure|could not be delivered|non[- ]?delivery|"
    r"delayed mail|delivery delayed|warning: could not send|"
    r"退信|系统退信|投递失败|发送失败|无法投递|未能送达|无法送达|邮件被退回|延迟投递|投递延迟",
    re.I,
)
_PERMANENT_HINT = re.compile(
    r"\b5\.\d{1,3}\.\d{1,3}\b|\b55[0-4]\b|permanent(?:ly)? (?:error|failure|fatal)|this is a permanent error|"
    r"user unknown|no such user|does not exist|mailbox unavailable|unknown user|recipient rejected|"
    r"address rejected|mailbox full|quota exceeded|over quota|invalid recipient|account (?:is )?disabled|"
    r"用户不存在|收件人不存在|地址不存在|邮箱不存在|账户不存在|帐户不存在|邮箱已满|空间不足|被禁用|已停用",
    re.I,
)
_TEMPORARY_HINT = re.compile(
    r"\b4\.\d{1,3}\.\d{1,3}\b|\b4[25][0-9]\b|temporar(?:y|ily)|will (?:keep|continue) trying|still trying|"
    r"delayed|deferred|retry|暂时|延迟|稍后重试|仍在尝试",
    re.I,
)
#: Where non-DSN bounces (qmail, QQ, 163, old Exim) name the failed address.
_ADDR = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_FAILED_ADDR = re.compile(
    rf"<({_ADDR})>\s*[:.]?\s*(?:\n|$)|^\s*({_ADDR}):\s*$|(?:收件人|收信人|收件地址|Recipient|Original-Recipient)\s*[:：]\s*<?({_ADDR})>?"
    rf"|(?:user (?:not found|unknown)|no such user)\s*[:：]?\s*<?({_ADDR})>?",
    re.I | re.M,
)
_CHALLENGE = re.compile(
    r"challenge[- ]response|verify (?:that )?you are (?:a )?(?:human|real)|confirm (?:that )?you are|"
    r"please (?:verify|confirm) your (?:e-?mail|address|message)|message (?:is|has been) (?:held|quarantined)|"
    r"has been (?:quarantined|blocked)|spam (?:filter|notice|detected)|identified as (?:spam|junk)|"
    r"请(?:点击|回复).{0,20}(?:验证|确认)|验证您的身份|确认您是|被(?:系统)?(?:拦截|隔离)|判定为垃圾邮件|疑似垃圾邮件|垃圾邮件(?:拦截|过滤)",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|answer)|auto:|autoreply|out of (?:the )?office|"
    r"vacation|away from|abwesenheit|自动回复|自動回覆|自动答复|自动应答|系统自动|休假|外出)",
    re.I,
)
_AUTO_BODY_STRONG = re.compile(
    r"自动回复|自動回覆|自动答复|系统自动(?:发送|回复)|本邮件(?:由系统)?自动|此邮件为系统|请勿(?:直接)?回复本邮件|"
    r"this is an auto(?:mated|matic)[- ]?(?:reply|response|message)|auto[- ]?reply|i am (?:currently )?out of (?:the )?office|"
    r"do not reply to this (?:e-?mail|message)",
    re.I,
)
_ACK_BODY = re.compile(
    r"已(?:经)?收到|收到您的(?:来信|邮件|咨询)|来信(?:已|收悉)|已收悉|我们(?:将|会)尽快|将尽快(?:处理|答复|回复)|"
    r"会尽快(?:处理|答复|回复)|予以(?:答复|回复)|感谢您的来信|we have received|has been received|will (?:respond|reply|get back)",
    re.I,
)


@dataclass
class Verdict:
    kind: str
    failed_recipients: list[str] = field(default_factory=list)
    permanent: bool | None = None
    charset: str | None = None
    subject: str = ""
    reply_text: str = ""
    token: str | None = None
    # Added keys (DESIGN.md: the JSON shape only grows):
    diagnostic: str = ""
    status: str = ""
    sender: str = ""
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    original_message_ids: list[str] = field(default_factory=list)
    signature: str = ""
    html_only: bool = False
    reasons: list[str] = field(default_factory=list)
    classifier_version: int = CLASSIFIER_VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _h(msg: Message, name: str) -> str:
    """A header as text, whatever the parser made of it (8-bit bytes come as Header objects)."""
    value = msg.get(name)
    return "" if value is None else (value if isinstance(value, str) else decode_header_value(value))


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=policy.compat32)


def _addr(value: str | None) -> str:
    return parseaddr(decode_header_value(value))[1].lower()


def _find_token(*texts: str) -> str | None:
    """The first probe token in these texts (clients may change its case)."""
    for t in texts:
        m = TOKEN_RE.search(t.upper()) if t else None
        if m:
            return m.group(1)
    return None


# --------------------------------------------------------------------------- bounces


def _dsn_blocks(part: Message) -> list[dict[str, str]]:
    """The per-message and per-recipient field blocks of a message/delivery-status part."""
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):  # the email package parses it as a list of header blocks
        for sub in payload:
            blocks.append({k.lower(): decode_header_value(v) for k, v in sub.items()})
        return blocks
    text = str(payload or "")
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for m in re.finditer(r"^([A-Za-z-]+):[ \t]*(.*(?:\n[ \t]+.*)*)", chunk, re.M):
            fields[m.group(1).lower()] = re.sub(r"\s+", " ", m.group(2)).strip()
        if fields:
            blocks.append(fields)
    return blocks


def _strip_addr_type(value: str) -> str:
    value = value.split(";", 1)[1] if ";" in value else value
    return value.strip().strip("<>").lower()


def _enclosed_ids(msg: Message, text: str) -> list[str]:
    ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                ids += message_ids(inner[0].get("Message-ID"))
        elif ctype == "text/rfc822-headers":
            hdr_text = part_text(part)[0]
            m = re.search(r"^Message-ID:\s*(.*(?:\n[ \t]+.*)*)", hdr_text, re.I | re.M)
            if m:
                ids += message_ids(m.group(1))
    for m in re.finditer(r"^\s*Message-ID:\s*(<[^>]+>)", text, re.I | re.M):
        ids += message_ids(m.group(1))
    seen: list[str] = []
    for i in ids:
        if i not in seen:
            seen.append(i)
    return seen


def _all_text(msg: Message) -> str:
    """Every text part including enclosed headers/messages (for bounces that quote the original)."""
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype.startswith("text/") or ctype == "message/delivery-status":
            try:
                out.append(part_text(part)[0])
            except Exception:
                continue
    return "\n".join(out)


def _bounce(msg: Message, sender: str, subject: str, return_path: str) -> dict[str, Any] | None:
    ctype = msg.get_content_type()
    report_type = (msg.get_param("report-type") or "").lower() if ctype == "multipart/report" else ""
    is_dsn = ctype == "multipart/report" and report_type == "delivery-status"
    if ctype == "multipart/report" and report_type and report_type != "delivery-status":
        return {"kind": "other", "reasons": [f"multipart/report {report_type} (read receipt or feedback), not a bounce"]}
    null_sender = return_path in ("<>", "")  # only trusted when a Return-Path header exists
    looks = bool(_BOUNCE_FROM.match(sender)) or bool(_BOUNCE_SUBJECT.search(subject))
    has_return_path = _h(msg, "Return-Path") is not None
    if not (is_dsn or looks or (has_return_path and null_sender and _BOUNCE_SUBJECT.search(subject or "x") is not None)):
        return None
    text = _all_text(msg)
    if msg.get_content_type() == "text/html" or "<html" in text[:2000].lower():
        from .decode import html_to_text

        text = html_to_text(text) if "<" in text else text
    failed: list[str] = []
    statuses: list[str] = []
    diagnostics: list[str] = []
    actions: list[str] = []
    if is_dsn:
        for part in msg.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            for block in _dsn_blocks(part):
                if "final-recipient" not in block and "original-recipient" not in block:
                    continue
                action = block.get("action", "").lower()
                actions.append(action)
                if action in ("delivered", "relayed", "expanded"):
                    continue
                rcpt = _strip_addr_type(block.get("final-recipient") or block.get("original-recipient", ""))
                if rcpt and rcpt not in failed:
                    failed.append(rcpt)
                if block.get("status"):
                    statuses.append(block["status"].split()[0])
                if block.get("diagnostic-code"):
                    diag = block["diagnostic-code"]
                    diagnostics.append(diag.split(";", 1)[1].strip() if ";" in diag else diag)
        if actions and all(a in ("delivered", "relayed", "expanded") for a in actions):
            return {"kind": "other", "reasons": ["delivery-status report of a successful delivery"]}
    perm_set: set[str] = set()
    temp_set: set[str] = set()
    if not failed and all(isinstance(msg.get(h, ""), str) for h in ("From", "To", "Subject")):
        # (flufl.bounce's detectors expect plain-string headers; 8-bit ones come as Header objects)
        try:
            from flufl.bounce import all_failures

            temp_b, perm_b = all_failures(msg)
            perm_set = {a.decode("utf-8", "replace").lower() for a in perm_b}
            temp_set = {a.decode("utf-8", "replace").lower() for a in temp_b}
            failed = sorted(perm_set | temp_set)
        except Exception:  # flufl.bounce is a helper; a parsing error must not lose the message
            failed = []
    if not failed:
        for m in _FAILED_ADDR.finditer(text if "<" in text or "收件人" in text or "@" in text else ""):
            addr = next(g for g in m.groups() if g).lower().rstrip(".")
            if addr and addr != sender and addr not in failed:
                failed.append(addr)
    if not failed and not is_dsn and not _BOUNCE_SUBJECT.search(subject):
        return None
    # Permanence: DSN status class first, then what the detectors said, then words in the text.
    permanent: bool | None
    if statuses:
        permanent = any(s.startswith(STATUS_PERMANENT) for s in statuses)
    elif actions and any(a == "failed" for a in actions):
        permanent = True
    elif actions and all(a == "delayed" for a in actions):
        permanent = False
    elif perm_set:
        permanent = True
    elif temp_set:
        permanent = False
    elif _PERMANENT_HINT.search(text) and not re.search(r"will (?:keep|continue) trying|still trying|仍在尝试|delayed", text, re.I):
        permanent = True
    elif _TEMPORARY_HINT.search(text) or re.search(r"delay", subject, re.I):
        permanent = False
    else:
        permanent = True
    diagnostic = "; ".join(dict.fromkeys(diagnostics))
    if not diagnostic:
        m = re.search(r"((?:[245]\d\d[ -])?[245]\.\d{1,3}\.\d{1,3}[^\n]*|\b5[05]\d\s[^\n]{5,}|said:[^\n]+)", text)
        if m:
            diagnostic = m.group(1).strip()[:300]
    status = statuses[0] if statuses else ""
    if not status:
        m = re.search(r"\b([245]\.\d{1,3}\.\d{1,3})\b", text)
        status = m.group(1) if m else ""
    return {
        "kind": "bounce", "failed_recipients": failed, "permanent": permanent, "diagnostic": diagnostic[:500],
        "status": status, "original_message_ids": _enclosed_ids(msg, text), "token": _find_token(text),
        "reasons": ["multipart/report delivery-status" if is_dsn else "bounce sender/subject"],
    }


# --------------------------------------------------------------------------- auto-replies


def _auto_reasons(msg: Message, subject: str, reply: str) -> list[str]:
    reasons = []
    auto = (_h(msg, "Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        reasons.append(f"Auto-Submitted: {auto}")
    for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Mailer-Autoreply"):
        if msg.get(h) is not None:
            reasons.append(f"{h} header")
    prec = (_h(msg, "Precedence") or "").strip().lower()
    if prec in ("auto_reply", "auto-reply", "bulk", "junk"):
        reasons.append(f"Precedence: {prec}")
    if (msg.get("X-MS-Exchange-Inbox-Rules-Loop") is not None or msg.get("X-Auto-Response-Suppress") is not None) and re.search(r"automatic|自动", subject, re.I):
        reasons.append("Exchange automatic reply")
    if _AUTO_SUBJECT.search(subject) or re.search(r"自动回复|自动答复|automatic reply|auto[- ]?reply", subject, re.I):
        reasons.append("auto-reply subject")
    if _AUTO_BODY_STRONG.search(reply):
        reasons.append("says it is automatic")
    compact = re.sub(r"\s+", "", reply)
    if not reasons and _ACK_BODY.search(reply) and len(compact) < 90:
        reasons.append("short acknowledgement of receipt")
    return reasons


# --------------------------------------------------------------------------- entry point


def classify(raw: bytes, own_addresses: tuple[str, ...] = ()) -> Verdict:
    """Judge one raw message.  ``own_addresses``: our sender addresses (copies of our own mail -> other)."""
    msg = parse(raw)
    subject = decode_header_value(msg.get("Subject"))
    sender = _addr(msg.get("From"))
    return_path = (_h(msg, "Return-Path") or "").strip()
    in_reply_to = message_ids(_h(msg, "In-Reply-To"))
    references = message_ids(_h(msg, "References"))
    mid = (message_ids(_h(msg, "Message-ID")) or [None])[0]
    try:
        text, codec, html_only = body_text(msg)
    except Exception as exc:  # a broken part must not lose the message
        text, codec, html_only = "", None, False
        broken = f"body undecodable: {type(exc).__name__}"
    else:
        broken = ""
    charset = None
    for part in msg.walk():
        if part.get_content_maintype() == "text" and part.get_content_charset():
            charset = part.get_content_charset()
            break
    v = Verdict(
        kind="other", charset=charset or codec, subject=subject, sender=sender, message_id=mid,
        in_reply_to=in_reply_to, references=references, html_only=html_only,
    )
    if broken:
        v.reasons.append(broken)

    b = _bounce(msg, sender, subject, return_path)
    if b is not None:
        for k, val in b.items():
            setattr(v, k, val)
        if v.kind == "bounce" and not v.token:
            v.token = _find_token(subject)
        return v

    reply, signature = split_reply(text)
    v.reply_text, v.signature = reply, signature
    v.token = _find_token(subject, text)
    if sender and sender in {a.lower() for a in own_addresses}:
        v.reasons.append("sent by ourselves")
        return v
    whole = subject + "\n" + text
    if _CHALLENGE.search(whole):
        v.kind = "challenge"
        v.reasons.append("challenge or spam-filter notice")
        return v
    auto = _auto_reasons(msg, subject, reply)
    if auto:
        v.kind = "auto_reply"
        v.reasons += auto
        return v
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        v.reasons.append("mailing-list message")
        return v
    if re.sub(r"\s+", "", reply):
        v.kind = "human_reply"
        v.reasons.append("new text from a person")
    else:
        v.reasons.append("no new text")
    return v


__all__ = ["classify", "Verdict", "TOKEN_RE", "KINDS", "CLASSIFIER_VERSION", "decode_bytes"]
