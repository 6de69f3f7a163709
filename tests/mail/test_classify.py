"""The classifier on saved real-world-shaped messages (tests/fixtures/mail): pure, no servers."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailprobe.classify import classify
from mailprobe.decode import decode_header_value, split_reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
TOKEN = "MP7K2M9QXB4D"
ORIG = f"{TOKEN}.test-2024@pgeval.net"

# file: (kind, permanent, failed recipients, token, phrase in reply_text, phrase NOT in reply_text)
CASES = {
    "postfix_user_unknown.eml": ("bounce", True, ["lsj@pgls.gov.cn"], TOKEN, None, None),
    "postfix_mailbox_full.eml": ("bounce", True, ["swu@pgswu.gov.cn"], TOKEN, None, None),
    "postfix_delayed.eml": ("bounce", False, ["swj@pgsw.gov.cn"], TOKEN, None, None),
    "exim_bounce.eml": ("bounce", True, ["zhengwu@hzzf.gov.cn"], TOKEN, None, None),
    "sendmail_dsn.eml": ("bounce", True, ["jyj@jxjy.gov.cn"], TOKEN, None, None),
    "qmail_bounce.eml": ("bounce", True, ["nyj@sxnw.gov.cn"], TOKEN, None, None),
    "exchange_ndr.eml": ("bounce", True, ["ghj@gtzy.gov.cn"], TOKEN, None, None),
    "gmail_bounce.eml": ("bounce", True, ["kxj.pinggu@gmail.com"], TOKEN, None, None),
    "qq_bounce.eml": ("bounce", True, ["wsj_pg@qq.com"], TOKEN, None, None),
    "netease163_bounce.eml": ("bounce", True, ["pgjtj@163.com"], TOKEN, None, None),
    "exchange_oof_cn.eml": ("auto_reply", None, [], TOKEN, "休假", None),
    "qq_autoreply.eml": ("auto_reply", None, [], TOKEN, "自动回复", None),
    "vacation_rfc3834.eml": ("auto_reply", None, [], TOKEN, "out of the office", None),
    "gov_ack_no_headers.eml": ("auto_reply", None, [], TOKEN, "来信已收到", None),
    "netease163_autoreply.eml": ("auto_reply", None, [], None, "邮件已收到", None),
    "challenge_quarantine_cn.eml": ("challenge", None, [], TOKEN, None, None),
    "foxmail_reply_gb2312.eml": ("human_reply", None, [], TOKEN, "经办人：王镕", "原始邮件"),
    "reply_big5_qp.eml": ("human_reply", None, [], TOKEN, "戶政事務所", "寫道"),
    "outlook_reply_utf8_qp.eml": ("human_reply", None, [], TOKEN, "20个工作日内答复", "发送时间"),
    "reply_html_only_base64.eml": ("human_reply", None, [], TOKEN, "户口簿", "咨询编号"),
    "reply_raw8bit_gbk.eml": ("human_reply", None, [], None, "综合窗口", None),
    "reply_iphone_no_thread.eml": ("human_reply", None, [], None, "13812345678", "发自我的iPhone"),
    "mdn_read_receipt.eml": ("other", None, [], None, None, None),
}


def test_every_fixture_has_a_case():
    assert sorted(p.name for p in FIXTURES.glob("*.eml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture(name):
    kind, permanent, failed, token, has, lacks = CASES[name]
    v = classify((FIXTURES / name).read_bytes())
    assert v.kind == kind, v.reasons
    assert v.token == token
    if kind == "bounce":
        assert v.permanent is permanent
        assert v.failed_recipients == failed
        assert v.diagnostic
    if has:
        assert has.lower() in v.reply_text.lower()
    if lacks:
        assert lacks not in v.reply_text


@pytest.mark.parametrize("name", ["postfix_user_unknown.eml", "exim_bounce.eml", "sendmail_dsn.eml", "qmail_bounce.eml",
                                  "exchange_ndr.eml", "gmail_bounce.eml", "postfix_delayed.eml"])
def test_bounce_names_the_original_message(name):
    assert ORIG in classify((FIXTURES / name).read_bytes()).original_message_ids


def test_statuses_and_charsets():
    assert classify((FIXTURES / "postfix_mailbox_full.eml").read_bytes()).status == "5.2.2"
    assert classify((FIXTURES / "exchange_ndr.eml").read_bytes()).status == "5.1.10"
    v = classify((FIXTURES / "foxmail_reply_gb2312.eml").read_bytes())
    assert v.charset == "gb2312" and v.subject.startswith("回复：咨询") and TOKEN in v.subject
    v = classify((FIXTURES / "reply_raw8bit_gbk.eml").read_bytes())
    assert v.subject == "回复：关于居住证的咨询"
    v = classify((FIXTURES / "reply_big5_qp.eml").read_bytes())
    assert v.subject.startswith("回覆: 諮詢居住證") and "平谷區民政局" in v.reply_text
    assert classify((FIXTURES / "reply_html_only_base64.eml").read_bytes()).html_only


def test_signature_split_off():
    v = classify((FIXTURES / "outlook_reply_utf8_qp.eml").read_bytes())
    assert "区司法局办公室" in v.reply_text and "府前街8号" not in v.reply_text and "府前街8号" in v.signature


def test_decode_header_variants():
    assert decode_header_value("=?gb2312?B?xOO6ww==?=") == "你好"
    assert decode_header_value("=?GB2312?B?" + __import__("base64").b64encode("王镕".encode("gbk")).decode() + "?=") == "王镕"
    assert decode_header_value("=?utf-8?q?=E5=9B=9E=E5=A4=8D?= =?utf-8?b?77ya?=\r\n x") == "回复： x"
    assert decode_header_value("plain ascii") == "plain ascii"


def test_split_reply_quote_styles():
    new, sig = split_reply("好的，已办理。\n\nOn Mon, 6 May 2024 at 09:12, Zhang <a@b.cn> wrote:\n> hi")
    assert new == "好的，已办理。"
    new, _ = split_reply("收到\n-----Original Message-----\nFrom: x")
    assert new == "收到"
    new, _ = split_reply("From: 王科长的答复如下\n请带身份证。")  # a body line starting with From: is not a quote header
    assert "请带身份证" in new


def test_cli_classify_prints_design_json():
    out = subprocess.run([sys.executable, "-m", "mailprobe", "classify", str(FIXTURES / "qmail_bounce.eml")],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    data = json.loads(out)
    for key in ("kind", "failed_recipients", "permanent", "charset", "subject", "reply_text", "token"):
        assert key in data
    assert data["kind"] == "bounce" and data["failed_recipients"] == ["nyj@sxnw.gov.cn"]


def test_damaged_messages_never_raise():
    """Truncated, bit-flipped and spliced copies of every fixture: a verdict, never an exception."""
    import random

    rng = random.Random(4)
    kinds = set()
    for path in sorted(FIXTURES.glob("*.eml")):
        raw = path.read_bytes()
        for _ in range(25):
            r = bytearray(raw)
            op = rng.random()
            if op < 0.3:
                r = r[: rng.randint(0, len(r))]
            elif op < 0.6:
                for _ in range(20):
                    r[rng.randrange(len(r))] = rng.randrange(256)
            else:
                at = rng.randrange(len(r))
                r[at:at] = bytes(rng.randrange(256) for _ in range(50))
            kinds.add(classify(bytes(r)).kind)
    for raw in (b"", b"\r\n", b"Subject: x", b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
                b"Content-Type: text/plain; charset=foo-bar\r\n\r\n\xff\xfe"):
        kinds.add(classify(raw).kind)
    assert kinds <= {"bounce", "auto_reply", "challenge", "human_reply", "other"} and "bounce" in kinds
