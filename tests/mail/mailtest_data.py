"""Sites, profiles and identities shared by the mail tests (imported by conftest and tests)."""
from __future__ import annotations

import secrets

SENDER = "pingjia@pgeval.net"
SENDER_PASSWORD = "s3cret-" + secrets.token_hex(4)
CAMPAIGN = "test-2024"
CRASH_ACCOUNT = "crash@pgeval.net"

#: (site id, legal name, group, profile, registry e-mails, crawled e-mails [(address, context, form)])
SITES = [
    ("prompt", "北京市平谷区人民政府", "county", "prompt", ["zxts@pinggu.gov.cn"], []),
    ("late", "北京市怀柔区人民政府", "county", "late", ["hrzx@huairou.gov.cn"], []),
    ("auto", "北京市平谷区教育委员会", "department", "auto_only", ["jwzx@pgjw.gov.cn"], []),
    ("gbk", "北京市平谷区卫生健康委员会", "department", "gbk", ["wjw@pgwsj.gov.cn"], []),
    ("html", "北京市平谷区司法局", "department", "html_only", ["sfj@pgsf.gov.cn"], []),
    ("noirt", "北京市平谷区商务局", "department", "no_in_reply_to", ["swj@pgsw.com.cn"], []),
    ("challenge", "北京市平谷区统计局", "department", "challenge", ["tjj@pgtj.gov.cn"], []),
    ("dead", "北京市平谷区粮食局", "department", "dead", ["lsj@pgls.gov.cn"], []),
    ("full", "北京市平谷区水务局", "department", "full", ["swu@pgswu.gov.cn"], []),
    ("silent", "北京市平谷区文化和旅游局", "department", "silent", ["wlj@pgwl.gov.cn"], []),
    # No registry address: the crawl found a petition box and a director's mailbox; the latter wins.
    ("crawled", "北京市平谷区交通局", "department", "prompt", [], [
        ("xinfang@pgjt.gov.cn", "信访邮箱：", "mailto"),
        ("info@pgjt.gov.cn", "联系我们", "text"),
        ("jzxx@pgjt.gov.cn", "局长信箱：", "mailto"),
    ]),
    # Only a discipline-report address and one outside the allowed domains: never probed.
    ("nochannel", "北京市平谷区纪委监委", "department", "silent", ["jubao@pgjw-jc.gov.cn", "office@example.org"], [
        ("jjjc@pgjw-jc.gov.cn", "纪检举报", "mailto")]),
]
PROFILE_OF = {s[0]: s[3] for s in SITES}


def _domains() -> list[str]:
    doms = {SENDER.split("@")[1]}
    for _sid, _n, _g, _p, reg, crawled in SITES:
        doms |= {a.split("@")[1] for a in reg} | {a.split("@")[1] for a, _c, _f in crawled}
    doms.discard("example.org")
    return sorted(doms)
