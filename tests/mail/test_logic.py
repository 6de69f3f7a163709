"""Pure logic: working days, Kaplan-Meier, quality, configuration, address choice, matching."""
from __future__ import annotations

import datetime as dt

import pytest

from mailprobe import config as config_mod
from mailprobe.compose import choose_address, compose, make_token
from mailprobe.config import Campaign, Secret
from mailprobe.errors import ConfigError
from mailprobe.match import ProbeIndex, probe_result
from mailprobe.quality import judge
from mailprobe.send import queue_id
from mailprobe.stats import kaplan_meier, km_quantile, percentile, rate_at
from mailprobe.workdays import CHINA, workdays_between

UTC = dt.timezone.utc


def cn(*a):
    return dt.datetime(*a, tzinfo=CHINA)


def test_workdays_skip_weekend_and_holidays():
    fri_17 = cn(2024, 5, 10, 17)  # a Friday
    mon_9 = cn(2024, 5, 13, 9)
    assert workdays_between(fri_17, mon_9) == pytest.approx(16 / 24)
    assert workdays_between(cn(2024, 5, 13), cn(2024, 5, 20)) == pytest.approx(5)
    assert workdays_between(cn(2024, 5, 13), cn(2024, 5, 20), holidays={dt.date(2024, 5, 15)}) == pytest.approx(4)
    # 调休: a Saturday that is a working day
    assert workdays_between(cn(2024, 5, 11), cn(2024, 5, 12), extra_workdays={dt.date(2024, 5, 11)}) == pytest.approx(1)
    # UTC inputs are judged on the Chinese calendar: Fri 20:00 UTC is Sat 04:00 in Beijing
    assert workdays_between(dt.datetime(2024, 5, 10, 20, tzinfo=UTC), dt.datetime(2024, 5, 11, 20, tzinfo=UTC)) == 0
    with pytest.raises(ValueError):
        workdays_between(dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 2))


def test_kaplan_meier_censoring():
    # 4 probes: replies at 1 and 3 days, one censored at 2 days, one at 10 days.
    steps = kaplan_meier([(1, True), (2, False), (3, True), (10, False)])
    assert rate_at(steps, 0.5) == 0
    assert rate_at(steps, 1) == pytest.approx(0.25)
    assert rate_at(steps, 3) == pytest.approx(1 - 0.75 * 0.5)  # not 2/4: the censored one left the risk set
    assert km_quantile(steps, 0.5) == 3
    assert km_quantile(steps, 0.9) is None
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([], 0.5) is None


def test_quality_ranks_a_real_answer_above_a_template():
    terms = ["居住证", "材料", "窗口", "领取"]
    good = judge("您好！办理居住证需携带身份证等材料，到派出所窗口办理，15个工作日可领取。咨询电话010-69961234。"
                 "如材料不全，请先电话联系，我们会告知补充材料的具体要求，并可预约办理时间。\n平谷区公安分局人口管理科\n2024年5月7日", "", terms)
    bare = judge("感谢您的来信！", "", terms)
    assert good.score >= 90 and bare.score <= 10
    assert any("signed by" in r for r in good.reasons) and any("template" in r for r in bare.reasons)


def test_config_env_and_secret(tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("hunter2\n")
    env = {"MAILPROBE_SENDER": "a@pgeval.net", "MAILPROBE_SMTP_HOST": "smtp.pg.gov.cn", "MAILPROBE_IMAP_HOST": "imap.pg.gov.cn",
           "MAILPROBE_SMTP_PASSWORD_FILE": str(pw), "MAILPROBE_CAMPAIGN": "c1"}
    c = config_mod.from_mapping({}, env)
    assert c.smtp.port == 465 and c.imap.port == 993 and c.smtp.password.reveal() == "hunter2"
    assert "hunter2" not in repr(c) and "hunter2" not in str(Secret("hunter2"))
    with pytest.raises(ConfigError, match="only allowed for 127.0.0.1"):
        config_mod.from_mapping({}, {**env, "MAILPROBE_SMTP_SECURITY": "none"})
    with pytest.raises(ConfigError, match="not a .gov.cn domain"):
        config_mod.from_mapping({}, {**env, "MAILPROBE_ALLOWED_DOMAINS": ".gov.cn,example.com"})
    with pytest.raises(ConfigError, match="not in the config file"):
        config_mod.from_mapping({"smtp": {"password": "x"}}, env)
    with pytest.raises(ConfigError, match="CAMPAIGN"):
        config_mod.from_mapping({}, {k: v for k, v in env.items() if k != "MAILPROBE_CAMPAIGN"})


def test_config_file(tmp_path):
    f = tmp_path / "mp.yaml"
    f.write_text("sender: {name: 张明, address: a@pgeval.net}\nsmtp: {host: 127.0.0.1, port: 2525, security: none}\n"
                 "imap: {host: 127.0.0.1, port: 1143, security: none, folder: Replies}\n"
                 "campaign: {name: c2, allowed_domains: [.gov.cn, pgsw.com.cn], rate: 2, holidays: [2024-10-01],\n"
                 "  templates: {county: {subject: '问{name}', body: '请问{short}…', keywords: [居住证]}}}\n", encoding="utf-8")
    c = config_mod.load(f, env={})
    assert c.folder == "Replies" and c.campaign.rate == 2 and dt.date(2024, 10, 1) in c.campaign.holidays
    assert c.campaign.template_for("county").keywords == ("居住证",)
    assert c.campaign.allows("x@pgsw.com.cn") and c.campaign.allows("x@a.b.gov.cn") and not c.campaign.allows("x@gov.cn.evil.com")


def test_choose_address_prefers_leader_mailbox_and_skips_petition():
    camp = Campaign(name="c")
    snap = {"emails": [
        {"address": "xf@x.gov.cn", "form": "mailto", "context": "信访投诉邮箱"},
        {"address": "office@x.gov.cn", "form": "mailto", "context": "联系我们"},
        {"address": "zx@x.gov.cn", "form": "text", "context": "咨询邮箱："},
        {"address": "jz@x.gov.cn", "form": "obfuscated", "context": "局长信箱："},
        {"address": "ld@x.com", "form": "mailto", "context": "领导信箱"},
    ]}
    ch = choose_address({"_id": "s", "emails": []}, snap, camp)
    assert ch.address == "jz@x.gov.cn" and ch.source == "crawl"
    assert ("xf@x.gov.cn", "petition, complaint or discipline-report channel") in ch.rejected
    assert ("ld@x.com", "outside the campaign's allowed domains") in ch.rejected
    assert choose_address({"_id": "s", "emails": ["reg@x.gov.cn"]}, snap, camp).address == "reg@x.gov.cn"
    assert choose_address({"_id": "s", "emails": ["jubao@x.gov.cn"]}, None, camp).address is None


def test_compose_token_everywhere():
    cfg = config_mod.from_mapping({}, {"MAILPROBE_SENDER": "a@pgeval.net", "MAILPROBE_SENDER_NAME": "张明",
                                       "MAILPROBE_SMTP_HOST": "127.0.0.1", "MAILPROBE_IMAP_HOST": "127.0.0.1", "MAILPROBE_CAMPAIGN": "c 1"})
    tok = make_token("c 1", "pinggu")
    assert tok == make_token("c 1", "pinggu") != make_token("c 1", "huairou")
    msg = compose(cfg, {"_id": "pinggu", "name": "北京市平谷区人民政府", "group": "county"}, "zx@pinggu.gov.cn", tok)
    assert tok in msg["Message-ID"] and tok in str(msg["Subject"]) and tok in msg.get_content()
    assert "平谷区" in msg.get_content()


def test_queue_id_parsing():
    assert queue_id("2.0.0 Ok: queued as 4WbQ1x3Kz2z9sQ") == "4WbQ1x3Kz2z9sQ"
    assert queue_id("OK id=1s3xYz-0004Qd-9K") == "1s3xYz-0004Qd-9K"


def test_matching_order_and_results():
    t0 = dt.datetime(2024, 5, 6, 1, tzinfo=UTC)
    probes = [
        {"_id": "c/a", "token": "MPAAAAAAAAAA", "message_id": "MPAAAAAAAAAA.c@e.net", "to": "zx@a.gov.cn", "sent_at": t0},
        {"_id": "c/b", "token": "MPBBBBBBBBBB", "message_id": "MPBBBBBBBBBB.c@e.net", "to": "zx@b.gov.cn", "sent_at": t0},
        {"_id": "c/b2", "token": "MPCCCCCCCCCC", "message_id": "MPCCCCCCCCCC.c@e.net", "to": "jz@b.gov.cn", "sent_at": t0},
    ]
    idx = ProbeIndex.build(probes)
    later = t0 + dt.timedelta(hours=1)
    assert idx.match({"in_reply_to": ["mpaaaaaaaaaa.c@e.net"]}, later) == ("c/a", "in-reply-to")
    assert idx.match({"original_message_ids": ["MPBBBBBBBBBB.c@e.net"], "kind": "bounce"}, later) == ("c/b", "dsn-message-id")
    assert idx.match({"token": "MPCCCCCCCCCC", "sender": "zx@a.gov.cn"}, later) == ("c/b2", "token")
    assert idx.match({"sender": "someone@mail.a.gov.cn"}, later) == ("c/a", "sender-domain")
    assert idx.match({"sender": "someone@b.gov.cn"}, later) == (None, None)  # two probes to b.gov.cn: ambiguous
    assert idx.match({"kind": "bounce", "failed_recipients": ["jz@b.gov.cn"]}, later) == ("c/b2", "failed-recipient")
    msgs = [
        {"internaldate": t0 + dt.timedelta(minutes=1), "uid": 1, "verdict": {"kind": "auto_reply"}},
        {"internaldate": t0 + dt.timedelta(days=3), "uid": 2, "verdict": {"kind": "human_reply", "reply_text": "请携带居住证材料", "signature": ""}},
        {"internaldate": t0 + dt.timedelta(days=4), "uid": 3, "verdict": {"kind": "human_reply", "reply_text": "补充", "signature": ""}},
    ]
    r = probe_result({"state": "sent", "sent_at": t0, "terms": ["居住证"]}, msgs)
    assert r["outcome"] == "replied" and r["delay_hours"] == 72 and r["auto_reply_at"] == msgs[0]["internaldate"]
    assert probe_result({"state": "sent", "sent_at": t0}, msgs[:1])["outcome"] == "auto_only"
    assert probe_result({"state": "queued"}, [])["outcome"] == "unconfirmed"


def test_pacer_keeps_the_rate():
    import asyncio
    import time

    from mailprobe.send import _Pacer

    async def three():
        p = _Pacer(20.0)
        for _ in range(3):
            await p.wait()

    t0 = time.monotonic()
    asyncio.run(three())
    assert time.monotonic() - t0 >= 0.095
