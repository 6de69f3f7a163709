"""Quality of a human reply, 0-100, with the reasons behind the number.

Pure.  Four parts: does it address the question (overlap with the question's key terms, 40),
is it signed by a unit or a person (20), does it give a contact or a next step (20), is it more
than a template (20).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

W_TOPIC, W_SIGNED, W_CONTACT, W_SUBSTANCE = 40, 20, 20, 20

_UNIT = re.compile(
    r"[\u4e00-\u9fff]{2,20}(?:人民政府|政府办公室|办公室|委员会|管理局|局|委|办|中心|处|科|所|站|厅|院|队|街道|社区|大队|分局|支队)"
    r"(?:[\s（(]?[\u4e00-\u9fff]{0,8}[)）]?)?\s*$"
)
_PERSON = re.compile(r"(?:经办人|联系人|承办人|工作人员|答复人|回复人)\s*[:：]?\s*[\u4e00-\u9fff]{2,4}|^[\u4e00-\u9fff]{2,3}\s*$|^(?:Regards|Best|Sincerely)", re.M)
_DATE_LINE = re.compile(r"^\s*(?:\d{4}|[〇零一二三四五六七八九○]{4})\s*年.{1,6}月.{1,6}日\s*$|^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$")
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}[-－ ]?\d{7,8}|1[3-9]\d{9}|\d{3,4}[-－]\d{4})(?!\d)|12345")
_CONTACT_WORDS = re.compile(
    r"电话|热线|地址|窗口|办事大厅|政务服务中心|网址|https?://|www\.|@|请携带|请到|可到|可前往|前往|办理时间|工作日|"
    r"联系|咨询|登录|提交|下载|受理|办理流程|步骤|materials|contact|phone|address",
    re.I,
)
_BOILERPLATE = re.compile(
    r"感谢您(?:的来信|对我们工作的)(?:关注|支持)?|您好|来信收悉|谢谢|此致|敬礼|祝您.{0,6}|如有疑问.{0,20}|欢迎.{0,10}监督"
)


@dataclass
class Quality:
    score: int
    reasons: list[str] = field(default_factory=list)
    parts: dict[str, int] = field(default_factory=dict)


def _cjk_len(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def judge(reply_text: str, signature: str = "", terms: list[str] | tuple[str, ...] = ()) -> Quality:
    text = reply_text or ""
    whole = (text + "\n" + (signature or "")).strip()
    reasons: list[str] = []
    parts: dict[str, int] = {}

    # 1. on topic
    terms = [t for t in terms if t]
    if terms:
        hit = [t for t in terms if t.lower() in text.lower()]
        share = len(hit) / len(terms)
        parts["topic"] = round(W_TOPIC * min(1.0, share * 2))  # half the key terms is a full answer
        reasons.append(f"mentions {len(hit)}/{len(terms)} key terms of the question" + (f" ({'、'.join(hit)})" if hit else ""))
    else:
        parts["topic"] = W_TOPIC // 2
        reasons.append("no key terms configured: topic not judged")

    # 2. signed by a unit or person
    tail_lines = [ln.strip() for ln in whole.splitlines() if ln.strip()][-5:]
    unit = next((ln for ln in tail_lines if _UNIT.search(ln) and len(ln) <= 40), None)
    person = _PERSON.search("\n".join(tail_lines))
    dated = any(_DATE_LINE.match(ln) for ln in tail_lines)
    if unit or person:
        parts["signed"] = W_SIGNED
        reasons.append(f"signed by {unit or person.group(0).strip()}" if (unit or person) else "signed")
    elif dated:
        parts["signed"] = W_SIGNED // 2
        reasons.append("dated but not signed")
    else:
        parts["signed"] = 0
        reasons.append("not signed by a unit or person")

    # 3. contact or next step
    phone = _PHONE.search(whole)
    words = set(m.group(0) for m in _CONTACT_WORDS.finditer(text))
    if phone:
        parts["contact"] = W_CONTACT
        reasons.append("gives a telephone number")
    elif len(words) >= 2:
        parts["contact"] = W_CONTACT
        reasons.append("gives a next step (" + "、".join(sorted(words)[:4]) + ")")
    elif words:
        parts["contact"] = W_CONTACT // 2
        reasons.append("hints at a next step")
    else:
        parts["contact"] = 0
        reasons.append("no contact or next step")

    # 4. more than a template
    substance = _cjk_len(_BOILERPLATE.sub("", text))
    if substance >= 80:
        parts["substance"] = W_SUBSTANCE
        reasons.append(f"{substance} characters of substance")
    elif substance >= 30:
        parts["substance"] = W_SUBSTANCE // 2
        reasons.append(f"short: {substance} characters beyond courtesies")
    else:
        parts["substance"] = 0
        reasons.append("template or courtesy only")
    return Quality(score=max(0, min(100, sum(parts.values()))), reasons=reasons, parts=parts)
