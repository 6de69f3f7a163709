"""Simulated government responders for the sandbox mail world, one behaviour per site profile.

Profiles (``PROFILES``):
  prompt          human reply at once, over SMTP, with In-Reply-To/References, UTF-8, quoting the question
  late            human reply ``late_delay`` after the question's Date (the clock given to mailprobe):
                  held back until then; a reply already overdue is APPENDed with its due INTERNALDATE
  auto_only       only an RFC 3834 automatic acknowledgement ("您的来信已收到"), never an answer
  gbk             human reply labelled gb2312 holding GBK-only characters, RFC 2047 GB2312 subject
  html_only       human reply with a text/html body only (quoted-printable), original in a <blockquote>
  no_in_reply_to  human reply without In-Reply-To/References and without the token (matched by sender)
  challenge       a challenge/spam-filter notice asking the sender to verify themselves
  dead            no such mailbox: Postfix sends a real DSN (5.1.1)
  full            mailbox over quota: Postfix sends a real DSN (5.2.2)
  silent          mailbox exists, nobody ever answers

The responders read each mailbox's Maildir/new directly (they are part of the sandbox, not the
product) and answer through the world's SMTP server on 127.0.0.1, or by APPEND for dated replies.
"""
from __future__ import annotations

import datetime as dt
import email
import imaplib
import os
import secrets
import smtplib
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.message import EmailMessage, Message
from email.utils import format_datetime, formataddr, make_msgid, parsedate_to_datetime
from pathlib import Path

from .mailworld import MailWorld

PROFILES = ("prompt", "late", "auto_only", "gbk", "html_only", "no_in_reply_to", "challenge", "dead", "full", "silent")
#: Profiles whose mailbox exists (dead has none).
LIVE = tuple(p for p in PROFILES if p != "dead")
HUMAN = ("prompt", "late", "gbk", "html_only", "no_in_reply_to")

ANSWER = (
    "您好！来信收悉，现答复如下：\n"
    "一、办理居住证需携带本人身份证、近期一寸照片以及租房合同或单位出具的居住证明等材料；\n"
    "二、请到居住地派出所户籍窗口或区政务服务中心二楼公安窗口办理，办理时间为工作日上午9:00-12:00，下午13:30-17:00；\n"
    "三、材料齐全的，一般在15个工作日内可以领取。\n"
    "申请政府信息公开的，可通过网上申请平台提交申请表，也可信函或当面提交，我单位将在20个工作日内答复。\n"
    "如有疑问，请拨打咨询电话 010-69962345。\n\n"
    "{unit}办公室\n"
    "{date}"
)


#: A partial answer (HTML-only profile) and a bare one (no_in_reply_to): quality differs from the full ANSWER.
PARTIAL = "您好！办理居住证请携带身份证到居住地派出所户籍窗口办理。\n\n{unit}"
BARE = "您好，这个可以在网上办，具体请登录网站查询。"


def _decode_subject(msg: Message) -> str:
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(msg.get("Subject", ""))))
    except Exception:
        return str(msg.get("Subject", ""))


def _date_of(msg: Message) -> dt.datetime:
    try:
        d = parsedate_to_datetime(msg["Date"])
        return d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc)
    except (TypeError, ValueError):
        return dt.datetime.now(dt.timezone.utc)


@dataclass
class Mailbox:
    address: str
    profile: str
    unit: str
    password: str = ""


@dataclass
class Responders:
    world: MailWorld
    #: Delay of the "late" profile's reply after the question's Date.
    late_delay: dt.timedelta = dt.timedelta(days=9)
    #: Per-profile reply delays after the question (default: at once); overdue replies are backdated.
    delays: dict[str, dt.timedelta] = field(default_factory=dict)
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    pending: list[tuple[dt.datetime, Message]] = field(default_factory=list)
    #: Replies due more than this long ago are APPENDed with their due INTERNALDATE instead of sent.
    backdate_after: dt.timedelta = dt.timedelta(minutes=1)
    replies: int = 0

    def add(self, address: str, profile: str, unit: str = "") -> Mailbox:
        """Register a responder; creates its mailbox in the world (none for ``dead``)."""
        if profile not in PROFILES:
            raise ValueError(f"unknown responder profile {profile!r}; one of {PROFILES}")
        address = address.lower()
        box = Mailbox(address, profile, unit or address.split("@")[1], secrets.token_hex(8))
        if profile != "dead":
            self.world.add_user(address, box.password, quota_bytes=64 if profile == "full" else None)
        self.mailboxes[address] = box
        return box

    # ------------------------------------------------------------------ answering

    def _new_files(self, box: Mailbox) -> list[Path]:
        d = self.world.maildir(box.address) / "Maildir"
        out = []
        for sub in ("new", "cur"):
            p = d / sub
            if p.is_dir():
                out += [p / n for n in os.listdir(p) if (p / n).is_file()]
        return sorted(f for f in out if f.name.split(":")[0] not in self.done)

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Read new questions, deliver every reply that is due; returns the number delivered."""
        now = now or dt.datetime.now(dt.timezone.utc)
        for box in self.mailboxes.values():
            if box.profile in ("dead", "full", "silent"):
                continue
            for f in self._new_files(box):
                self.done.add(f.name.split(":")[0])
                question = email.message_from_bytes(f.read_bytes(), policy=policy.compat32)
                if question.get("Auto-Submitted", "no").lower() != "no":
                    continue  # never answer automatic mail
                reply, due = self.reply_for(box, question)
                if reply is not None:
                    self.pending.append((due, reply))
        due_now = [(d, r) for d, r in self.pending if d <= now]
        self.pending = [(d, r) for d, r in self.pending if d > now]
        smtp: smtplib.SMTP | None = None
        try:
            for due, reply in sorted(due_now, key=lambda x: x[0]):
                if now - due > self.backdate_after:
                    self._append(reply, due)
                else:
                    if smtp is None:
                        smtp = smtplib.SMTP(self.world.host, self.world.smtp_port, timeout=30)
                    to = email.utils.parseaddr(reply["To"])[1]
                    sender = email.utils.parseaddr(reply["From"])[1]
                    smtp.sendmail(sender, [to], reply.as_bytes())
        finally:
            if smtp is not None:
                smtp.quit()
        self.replies += len(due_now)
        return len(due_now)

    def _append(self, reply: Message, when: dt.datetime) -> None:
        """Deliver a dated reply into the recipient's INBOX with that INTERNALDATE."""
        to = email.utils.parseaddr(reply["To"])[1].lower()
        user = self.world.users[to]
        m = imaplib.IMAP4(self.world.host, self.world.imap_port)
        try:
            m.login(user.address, user.password)
            m.append("INBOX", "", imaplib.Time2Internaldate(when.timestamp()), reply.as_bytes())
        finally:
            m.logout()

    def reply_for(self, box: Mailbox, q: Message) -> tuple[Message | None, dt.datetime]:
        """The reply a profile gives to question ``q``, and when it is due."""
        p = box.profile
        subject = _decode_subject(q)
        asked = _date_of(q)
        delay = self.late_delay if p == "late" else self.delays.get(p, dt.timedelta())
        when = asked + delay
        date = when
        cn_date = f"{date.year}年{date.month}月{date.day}日"
        answer = ANSWER.format(unit=box.unit, date=cn_date)
        quoted = (
            "\n\n------------------ 原始邮件 ------------------\n"
            f"发件人: {q['From']}\n发送时间: {q['Date']}\n收件人: {box.address}\n主题: {subject}\n\n"
            + _body(q)
        )
        to = email.utils.parseaddr(q.get("Reply-To") or q["From"])[1]
        if p in ("prompt", "late"):
            msg: Message = EmailMessage()
            msg.set_content(answer + quoted, charset="utf-8")
            msg["Subject"] = "回复：" + subject
        elif p == "gbk":
            body = answer.replace("办公室", "办公室（经办人：王镕）") + quoted
            msg = _gbk_text(body)
            msg["Subject"] = _gb2312_word("答复：" + subject)
        elif p == "html_only":
            partial = PARTIAL.format(unit=box.unit)
            html = "<html><body>" + "".join(f"<p>{line}</p>" for line in partial.splitlines() if line.strip())
            html += "<blockquote>" + _body(q).replace("\n", "<br>") + "</blockquote></body></html>"
            msg = _qp_html(html)
            msg["Subject"] = "Re: " + subject
        elif p == "no_in_reply_to":
            msg = EmailMessage()
            msg.set_content(BARE, charset="utf-8")
            msg["Subject"] = "关于您咨询事项的答复"
        elif p == "auto_only":
            msg = EmailMessage()
            msg.set_content("您好！您的来信已收到，我们将尽快处理并予以答复。此邮件为系统自动回复，请勿直接回复。", charset="utf-8")
            msg["Subject"] = "自动回复：" + subject
            msg["Auto-Submitted"] = "auto-replied"
            msg["X-Autoreply"] = "yes"
            msg["Precedence"] = "auto_reply"
        elif p == "challenge":
            msg = EmailMessage()
            msg.set_content(
                "您发送的邮件已被系统拦截，等待验证。为防止垃圾邮件，请点击以下链接验证您的身份：\n"
                "http://verify.mail.example/confirm?id=" + secrets.token_hex(6) + "\n"
                "Your message is being held. Please verify that you are a human sender.", charset="utf-8")
            msg["Subject"] = "请验证您的邮件 / Please verify your message"
            msg["Auto-Submitted"] = "auto-replied"
        else:
            return None, when
        msg["From"] = formataddr((str(Header(box.unit, "utf-8")), box.address))
        msg["To"] = to
        msg["Date"] = format_datetime(date)
        msg["Message-ID"] = make_msgid(domain=box.address.split("@")[1])
        if p not in ("no_in_reply_to",) and q.get("Message-ID"):
            msg["In-Reply-To"] = q["Message-ID"]
            msg["References"] = q["Message-ID"]
        return msg, when


def _body(q: Message) -> str:
    for part in q.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""


def _gb2312_word(text: str) -> str:
    """An RFC 2047 word labelled GB2312 the way Chinese clients write it (bytes are GBK)."""
    import base64

    return "=?GB2312?B?" + base64.b64encode(text.encode("gbk")).decode() + "?="


def _gbk_text(body: str) -> Message:
    import base64

    msg = Message()
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = 'text/plain; charset="gb2312"'
    msg["Content-Transfer-Encoding"] = "base64"
    msg.set_payload(base64.encodebytes(body.encode("gbk")).decode())
    return msg


def _qp_html(html: str) -> Message:
    import quopri

    msg = Message()
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = 'text/html; charset="utf-8"'
    msg["Content-Transfer-Encoding"] = "quoted-printable"
    msg.set_payload(quopri.encodestring(html.encode("utf-8")).decode("ascii"))
    return msg


def profile_for(i: int) -> str:
    """Round-robin profile assignment for generated site lists."""
    return PROFILES[i % len(PROFILES)]

