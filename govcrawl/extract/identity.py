"""Identity marks and the legal name of the body running the site.

* 网站标识码: 10 characters, a 6-digit division code or ``bm`` + 2 digits, then 4 digits (footer text,
  ``<meta name="SiteIDCode">``, the 纠错 script's sitecode as a last resort);
* ICP number: province + ``ICP备`` + digits + ``号`` (+ ``-n``), re-joined when split over elements;
* 公网安备: province + ``公网安备`` + 14 digits + ``号``, as printed;
* the 党政机关 badge: a conac.cn badge image or link in the markup (not the loader script alone);
* site name: the 主办单位, else the 版权所有 holder, else the organisation in the title.
"""

from __future__ import annotations

import re

from .html import Doc, compact
from .taxonomy import Taxonomy

__all__ = ["identity", "site_name"]

_SITE_CODE_RE = re.compile(r"网站标识码\s*[:：]?\s*((?:\d{10}|[bB][mM]\d{8}))(?![\dA-Za-z])")
_SITE_CODE_ONLY_RE = re.compile(r"^(?:\d{10}|[bB][mM]\d{8})$")
_ICP_RE = re.compile(r"([\u4e00-\u9fff])\s*I\s*C\s*P\s*备\s*(\d{4,12})\s*号(?:\s*[-－—]\s*(\d{1,3}))?", re.IGNORECASE)
_PSB_RE = re.compile(r"([\u4e00-\u9fff])\s*公网安备\s*[:：]?\s*(?:号\s*)?(\d{10,16})(\s*号)?")
_SITECODE_PARAM_RE = re.compile(r"(?:site_?code|sitecode)=((?:\d{10}|bm\d{8}))", re.IGNORECASE)

_NAME_STOP_RE = re.compile(
    r"(?:承办|协办|主管|技术支持|运行维护|维护|网站标识码|备案|ICP|地址|电话|传真|邮编|邮箱|版权|联系|"
    r"Copyright|copyright|All Rights|建议|分辨率|访问|您是第|公网安备|中文域名).*$"
)
_NAME_TRIM_RE = re.compile(r"^[\s:：,，.。、|丨/·•]+|[\s:：,，.。、|丨/·•]+$")
_HOLDER_BEFORE_RE = re.compile(
    r"(?:©|\(c\)|copyright)?\s*(?:\d{4}\s*[-–—]?\s*(?:\d{4})?)?\s*([\u4e00-\u9fff（）()]{4,40})\s*版权所有",
    re.IGNORECASE,
)
_TITLE_SPLIT_RE = re.compile(r"\s*[|｜_\-—–·•»>]+\s*")


def identity(doc: Doc) -> dict[str, object]:
    """{site_code, icp, psb, party_badge} (None / False when absent)."""
    text = doc.text
    site_code = None
    m = _SITE_CODE_RE.search(text)
    if m:
        site_code = m.group(1)
    if site_code is None:
        meta = (doc.meta.get("siteidcode") or "").strip()
        if _SITE_CODE_ONLY_RE.match(meta):
            site_code = meta
    if site_code is None:
        for attrs in doc.script_attrs:
            sc = (attrs.get("sitecode") or attrs.get("site_code") or "").strip()
            if _SITE_CODE_ONLY_RE.match(sc):
                site_code = sc
                break
    if site_code is None:
        for a in doc.anchors:
            if "site_code" in a.raw_href or "sitecode" in a.raw_href.lower():
                mm = _SITECODE_PARAM_RE.search(a.raw_href)
                if mm:
                    site_code = mm.group(1)
                    break
    icp = None
    m = _ICP_RE.search(text)
    if m:
        icp = f"{m.group(1)}ICP备{m.group(2)}号" + (f"-{m.group(3)}" if m.group(3) else "")
    psb = None
    m = _PSB_RE.search(text)
    if m:
        printed = " ".join(m.group(0).split())
        psb = printed if m.group(3) else printed + "号"
    badge = bool(doc.badge_imgs) or any(
        a.url and "conac.cn" in a.url.lower() and "dcs.conac.cn/js" not in a.url.lower() for a in doc.anchors
    )
    return {"site_code": site_code, "icp": icp, "psb": psb, "party_badge": badge}


def _clean_org(raw: str) -> str | None:
    s = raw.strip()
    s = _NAME_STOP_RE.sub("", s)
    s = s.split(" ")[0] if " " in s.strip() else s
    s = _NAME_TRIM_RE.sub("", s)
    if 2 <= len(s) <= 40 and re.search(r"[\u4e00-\u9fff]", s):
        return s
    return None


def site_name(doc: Doc, tax: Taxonomy) -> tuple[str | None, str | None]:
    """The legal name of the body (主办单位, else 版权所有 holder, else the title's organisation)
    and where it was found (``sponsor`` / ``copyright`` / ``title`` / ``meta``)."""
    prefixes = "|".join(re.escape(p) for p in sorted(tax.site_name_prefixes, key=len, reverse=True))
    sponsor_re = re.compile(rf"(?:{prefixes})\s*[:：]\s*(\S[^|丨\n]{{1,60}})")
    postfix_re = re.compile(r"^(?:本网站由|本站由|由)?\s*([\u4e00-\u9fff（）()]{4,30}?)\s*主办(?![单方])")
    found: str | None = None
    for line in doc.lines:
        if not line or len(line) > 300:
            continue
        if "主办" in line:
            m = sponsor_re.search(line)
            if m:
                name = _clean_org(m.group(1))
                if name:
                    found = name
                    continue
            m = postfix_re.search(line)
            if m and len(line) < 80:
                name = _clean_org(m.group(1))
                if name:
                    found = name
    if found:
        return found, "sponsor"
    for line in doc.lines:
        if not line or len(line) > 300:
            continue
        if "版权" in line:
            m = re.search(r"版权归\s*(\S{2,40}?)\s*所有", line)
            if m:
                name = _clean_org(m.group(1))
                if name:
                    found = name
                    continue
            m = re.search(r"版权所有\s*[:：]?\s*(?:[©Cc]\s*)?(?:\d{4}\s*[-–—]?\s*(?:\d{4})?\s*)?(\S[^|丨]{1,60})", line)
            if m:
                name = _clean_org(m.group(1))
                if name:
                    found = name
                    continue
            m = _HOLDER_BEFORE_RE.search(line)
            if m:
                name = _clean_org(m.group(1))
                if name:
                    found = name
    if found:
        return found, "copyright"
    for part in reversed(_TITLE_SPLIT_RE.split(doc.title or "")):
        part = compact(part)
        if tax.org_suffix_re.search(part) and 4 <= len(part) <= 30:
            return part, "title"
    sn = compact(doc.meta.get("sitename") or "")
    if sn:
        return sn, "meta"
    return None, None
