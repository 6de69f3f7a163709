"""A whole campaign against the real Postfix + Dovecot on 127.0.0.1, one responder per profile."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from mailprobe import collect as collect_mod
from mailprobe.collect import collect_once, reclassify_all
from mailprobe.send import send
from mailprobe.status import summary

from mailtest_data import CAMPAIGN, CRASH_ACCOUNT, SENDER_PASSWORD

EXPECTED = {
    "prompt": "replied", "late": "replied", "auto": "auto_only", "gbk": "replied", "html": "replied",
    "noirt": "replied", "challenge": "waiting", "dead": "bounced", "full": "bounced", "silent": "waiting",
    "crawled": "replied",
}


def _outcomes(db) -> dict[str, str]:
    return {p["site_id"]: p["result"]["outcome"] for p in db.probes.find({"campaign": CAMPAIGN}).sort("site_id", 1)}


@pytest.fixture(scope="module")
def campaign(registry, mail_world, responders, cfg):
    """Send once, let the responders answer, collect until every expected outcome is in (<= 20 s)."""
    db = registry
    past = lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=9)  # noqa: E731
    late = send(db, cfg, only=["late"], clock=past)  # the late site's question "was sent" 9 days ago
    report = send(db, cfg)
    report.sent += late.sent
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        responders.run_once()
        collect_once(db, cfg)
        # The challenge site's outcome is "waiting" before and after its notice arrives: wait for the notice.
        notice = (db.probes.find_one({"campaign": CAMPAIGN, "site_id": "challenge"}) or {}).get("result") or {}
        if _outcomes(db) == EXPECTED and notice.get("challenge") and mail_world.queue_empty():
            break
        time.sleep(0.1)
    return report


def test_dry_run_prints_and_records_nothing(registry, mail_env, monkeypatch, capsys):
    from mailprobe.__main__ import main
    from mailprobe.compose import make_token

    for k, v in mail_env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MONGO_DB", registry.name)
    before = registry.probes.count_documents({})
    assert main(["send", "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert registry.probes.count_documents({}) == before
    token = make_token(CAMPAIGN, "prompt")
    assert f"=== prompt (registry" in text and "=== crawled (crawl: 局长信箱：)" in text
    assert f"[编号{token}]" in text and f"咨询编号：{token}" in text and f"Message-ID: <{token}." in text
    assert "To: jzxx@pgjt.gov.cn" in text and "xinfang@" not in text.split("--- ")[0]
    assert "--- nochannel: skipped" in text and "inactive" not in text
    assert "dry run: 11 would be sent, 1 skipped" in text


def test_every_profile_gets_its_outcome(campaign, registry):
    assert sorted(campaign.sent) == sorted(EXPECTED)
    assert _outcomes(registry) == EXPECTED


def test_address_choice_and_safety(campaign, registry):
    crawled = registry.probes.find_one({"campaign": CAMPAIGN, "site_id": "crawled"})
    assert crawled["to"] == "jzxx@pgjt.gov.cn" and crawled["address_source"] == "crawl"
    assert registry.probes.find_one({"site_id": "nochannel"}) is None
    assert registry.probes.find_one({"site_id": "inactive"}) is None
    assert dict(campaign.skipped)["nochannel"].startswith("no consultation address")


def test_probe_records_queue_id_and_token(campaign, registry):
    p = registry.probes.find_one({"_id": f"{CAMPAIGN}/prompt"})
    assert p["state"] == "sent" and p["queue_id"] and p["token"] in p["message_id"]
    assert [e["kind"] for e in p["events"]] == ["queued", "sent"]


def test_replies_measured(campaign, registry):
    r = {p["site_id"]: p["result"] for p in registry.probes.find({"campaign": CAMPAIGN})}
    assert 0 <= r["prompt"]["delay_hours"] < 0.1
    assert r["prompt"]["quality"] >= 80, r["prompt"]["quality_reasons"]
    assert 9 * 24 - 0.1 < r["late"]["delay_hours"] < 9 * 24 + 0.1
    assert 5 <= r["late"]["delay_workdays"] <= 7.1
    assert "镕" in registry.messages.find_one({"probe_id": f"{CAMPAIGN}/gbk", "verdict.kind": "human_reply"})["verdict"]["reply_text"]
    html = registry.messages.find_one({"probe_id": f"{CAMPAIGN}/html", "verdict.kind": "human_reply"})["verdict"]
    assert html["html_only"] and "派出所" in html["reply_text"] and "咨询编号" not in html["reply_text"]
    assert registry.messages.find_one({"probe_id": f"{CAMPAIGN}/noirt"})["match"] == "sender-address"
    assert r["auto"]["auto_reply_at"] is not None and r["auto"]["replied"] is False
    assert r["challenge"]["challenge"] is True


def test_bounces_are_real_dsns(campaign, registry):
    dead = registry.probes.find_one({"_id": f"{CAMPAIGN}/dead"})["result"]["bounce"]
    full = registry.probes.find_one({"_id": f"{CAMPAIGN}/full"})["result"]["bounce"]
    assert dead["permanent"] and dead["status"].startswith("5.1.") and dead["failed_recipients"] == ["lsj@pgls.gov.cn"]
    assert full["permanent"] and full["status"] == "5.2.2"
    m = registry.messages.find_one({"probe_id": f"{CAMPAIGN}/dead"})
    assert m["match"] == "dsn-message-id"


def test_second_send_sends_nothing(campaign, registry, cfg):
    n = registry.probes.count_documents({"campaign": CAMPAIGN})
    again = send(registry, cfg)
    assert again.sent == [] and registry.probes.count_documents({"campaign": CAMPAIGN}) == n


def test_collect_twice_counts_nothing_twice(campaign, registry, cfg):
    before = registry.messages.count_documents({})
    results = {p["_id"]: p["result"] for p in registry.probes.find({}).sort("_id", 1)}
    r = collect_once(registry, cfg)
    assert r.stored == 0 and registry.messages.count_documents({}) == before
    assert {p["_id"]: p["result"] for p in registry.probes.find({}).sort("_id", 1)} == results


def test_reclassify_restores_verdicts(campaign, registry, cfg):
    registry.messages.update_many({"probe_id": f"{CAMPAIGN}/prompt"}, {"$set": {"verdict.kind": "other"}})
    from mailprobe.collect import recompute

    recompute(registry, cfg, [f"{CAMPAIGN}/prompt"])
    assert registry.probes.find_one({"_id": f"{CAMPAIGN}/prompt"})["result"]["outcome"] == "waiting"
    reclassify_all(registry, cfg)
    assert _outcomes(registry) == EXPECTED


def test_status_kaplan_meier(campaign, registry):
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=10)
    s = summary(registry, CAMPAIGN, now=now)
    c = s["counts"]
    assert (c["sent"], c["replied"], c["bounced"], c["auto_only"], c["waiting"]) == (11, 6, 2, 1, 2)
    # 5 of 11 answered within a day, the 6th (late) at 9 days; nobody censored before 10 days.
    assert s["reply_rate"]["1d"] == pytest.approx(5 / 11, abs=1e-3)
    assert s["reply_rate"]["15d"] == pytest.approx(6 / 11, abs=1e-3)
    assert len(s["sites"]) == 11


def test_crash_mid_batch_loses_nothing(mail_world, registry, cfg, monkeypatch):
    """A dropped connection after the first batch: the rest comes next time, nothing twice."""
    from dataclasses import replace

    sender = CRASH_ACCOUNT  # created before the world started: Dovecot re-reads its user file at most once a second
    c2 = replace(cfg, sender_address=sender, imap=replace(cfg.imap, username=sender))
    import smtplib

    with smtplib.SMTP("127.0.0.1", mail_world.smtp_port) as s:
        for i in range(7):
            s.sendmail("x@unrelated.gov.cn", [sender], f"From: x@unrelated.gov.cn\r\nTo: {sender}\r\nSubject: n{i}\r\n\r\nhello {i}\r\n".encode())
    deadline = time.monotonic() + 10
    while not (mail_world.maildir(sender) / "Maildir" / "new").exists() or len(list((mail_world.maildir(sender) / "Maildir" / "new").iterdir())) < 7:
        assert time.monotonic() < deadline, (mail_world.root / "log" / "postfix.log").read_text()[-2000:]
        time.sleep(0.05)
    real_fetch = collect_mod.IMAPClient.fetch
    calls = {"n": 0}

    def flaky(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("connection reset by peer")
        return real_fetch(self, *a, **k)

    monkeypatch.setattr(collect_mod.IMAPClient, "fetch", flaky)
    with pytest.raises(OSError):
        collect_once(registry, c2, batch=3)
    assert registry.messages.count_documents({"account": c2.account}) == 3
    monkeypatch.setattr(collect_mod.IMAPClient, "fetch", real_fetch)
    r = collect_once(registry, c2, batch=3)
    assert r.stored == 4
    uids = sorted(m["uid"] for m in registry.messages.find({"account": c2.account}))
    assert uids == list(range(1, 8))


def test_rcpt_rejected_is_a_failed_send(registry, cfg):
    """A server that refuses the recipient at RCPT time: recorded as failed with the SMTP error."""
    from dataclasses import replace
    from sandbox.mailworld import MailWorld

    w = MailWorld(domains=["pgeval.net", "pgrej.gov.cn"], reject_unlisted=True)
    w.add_user("pingjia@pgeval.net", SENDER_PASSWORD)
    registry.sites.insert_one({"_id": "rejected", "name": "拒收局", "group": "department", "emails": ["nobody@pgrej.gov.cn"], "active": True})
    try:
        w.start()
        c2 = replace(cfg, smtp=replace(cfg.smtp, port=w.smtp_port))
        rep = send(registry, c2, only=["rejected"])
        p = registry.probes.find_one({"_id": f"{CAMPAIGN}/rejected"})
        assert rep.failed and p["state"] == "failed" and p["smtp_error"]["code"] == 550 and p["smtp_error"]["permanent"]
        assert send(registry, c2, only=["rejected"], retry_failed=True).sent == []  # permanent: no retry
    finally:
        w.stop()
        registry.probes.delete_one({"_id": f"{CAMPAIGN}/rejected"})
        registry.sites.delete_one({"_id": "rejected"})


def test_unconfirmed_probe_is_never_resent(registry, cfg):
    """A crash between 'queued' and 'sent' leaves the probe queued; a second run does not send it."""
    registry.sites.insert_one({"_id": "crashed", "name": "崩溃局", "group": "department", "emails": ["zx@unrelated.gov.cn"], "active": True})
    registry.probes.insert_one({"_id": f"{CAMPAIGN}/crashed", "campaign": CAMPAIGN, "site_id": "crashed", "token": "MP0000000000",
                                "state": "queued", "result": {"outcome": "unconfirmed"}})
    try:
        rep = send(registry, cfg, only=["crashed"])
        assert rep.sent == [] and registry.probes.find_one({"_id": f"{CAMPAIGN}/crashed"})["state"] == "queued"
    finally:
        registry.probes.delete_one({"_id": f"{CAMPAIGN}/crashed"})
        registry.sites.delete_one({"_id": "crashed"})


def test_cli_status_json_and_no_password(campaign, registry, mail_env, monkeypatch, capsys):
    from mailprobe.__main__ import main

    for k, v in mail_env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MONGO_DB", registry.name)
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["counts"]["replied"] == 6 and SENDER_PASSWORD not in out
    assert main(["-v", "collect"]) == 0
    out, err = capsys.readouterr()
    assert "0 new messages" in out and SENDER_PASSWORD not in out + err


def test_watch_picks_up_new_mail(mail_world, registry, cfg):
    import smtplib
    import threading

    def later():
        time.sleep(0.3)
        with smtplib.SMTP("127.0.0.1", mail_world.smtp_port) as s:
            s.sendmail("y@unrelated.gov.cn", [cfg.sender_address],
                       f"From: y@unrelated.gov.cn\r\nTo: {cfg.sender_address}\r\nSubject: hello\r\n\r\nwatch test\r\n".encode())

    t = threading.Thread(target=later)
    t.start()
    r = collect_mod.watch(registry, cfg, poll=0.1, duration=2.0)
    t.join()
    assert r.stored == 1



def test_watch_with_idle(mail_world, registry, cfg):
    """The IDLE path of --watch (short timeout, then re-search) also picks up new mail."""
    import smtplib
    import threading

    def later():
        time.sleep(0.3)
        with smtplib.SMTP("127.0.0.1", mail_world.smtp_port) as s:
            s.sendmail("z@unrelated.gov.cn", [cfg.sender_address],
                       f"From: z@unrelated.gov.cn\r\nTo: {cfg.sender_address}\r\nSubject: idle\r\n\r\nidle test\r\n".encode())

    t = threading.Thread(target=later)
    t.start()
    r = collect_mod.watch(registry, cfg, idle_timeout=0.5, duration=2.5)
    t.join()
    assert r.stored == 1


def test_new_uidvalidity_counts_nothing_twice(campaign, registry, cfg):
    """The server renumbered the folder: everything is fetched again, but no probe result changes."""
    results = {p["_id"]: p["result"] for p in registry.probes.find({"campaign": CAMPAIGN}).sort("_id", 1)}
    n = registry.messages.count_documents({"account": cfg.account})
    registry.messages.update_many({"account": cfg.account}, {"$inc": {"uidvalidity": -1}})
    r = collect_once(registry, cfg)
    assert r.stored == n and r.matched == 0
    assert {p["_id"]: p["result"] for p in registry.probes.find({"campaign": CAMPAIGN}).sort("_id", 1)} == results
    assert collect_once(registry, cfg).stored == 0


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_send_and_collect(registry, cfg, security):
    """Implicit TLS and STARTTLS to SMTP and IMAP, the certificate checked against the given CA."""
    from dataclasses import replace

    from mailprobe.errors import SendError
    from sandbox.mailworld import MailWorld

    w = MailWorld(domains=["pgeval.net", "pgtls.gov.cn"], tls=True)
    w.add_user("pingjia@pgeval.net", SENDER_PASSWORD)
    w.add_user("zx@pgtls.gov.cn", SENDER_PASSWORD)
    sid = f"tls-{security}"
    registry.sites.insert_one({"_id": sid, "name": "加密局", "group": "department", "emails": ["zx@pgtls.gov.cn"], "active": True})
    try:
        w.start()
        smtp_port = w.smtps_port if security == "tls" else w.smtp_port
        imap_port = w.imaps_port if security == "tls" else w.imap_port
        c2 = replace(cfg, smtp=replace(cfg.smtp, port=smtp_port, security=security, ca_file=w.ca_file),
                     imap=replace(cfg.imap, port=imap_port, security=security, ca_file=w.ca_file))
        untrusted = replace(c2, smtp=replace(c2.smtp, ca_file=""))
        with pytest.raises(SendError):  # a self-signed certificate is refused unless trusted
            send(registry, untrusted, only=[sid])
        assert send(registry, c2, only=[sid]).sent == [sid]
        import smtplib

        with smtplib.SMTP("127.0.0.1", w.smtp_port) as s:  # a reply, delivered on the server side
            s.sendmail("zx@pgtls.gov.cn", ["pingjia@pgeval.net"], (
                f"From: zx@pgtls.gov.cn\r\nTo: pingjia@pgeval.net\r\nSubject: Re\r\n"
                f"In-Reply-To: <{registry.probes.find_one({'_id': f'{CAMPAIGN}/{sid}'})['message_id']}>\r\n\r\n"
                "您好，请携带身份证到政务服务中心办理。\r\n").encode())
        deadline = time.monotonic() + 10
        while registry.probes.find_one({"_id": f"{CAMPAIGN}/{sid}"})["result"]["outcome"] != "replied":
            assert time.monotonic() < deadline
            collect_once(registry, c2)
            time.sleep(0.1)
    finally:
        w.stop()
        registry.probes.delete_one({"_id": f"{CAMPAIGN}/{sid}"})
        registry.sites.delete_one({"_id": sid})
        registry.messages.delete_many({"probe_id": f"{CAMPAIGN}/{sid}"})


def test_two_concurrent_runs_send_each_probe_once(registry, cfg, mail_world):
    """Two `send` runs of one campaign at the same time: the unique index lets each probe through once."""
    import threading

    c2 = cfg.with_campaign(name="concurrent-2024")
    sites = ["silent", "challenge", "full", "auto"]
    reports = []

    def run():
        reports.append(send(registry, c2, only=sites))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = sorted(s for r in reports for s in r.sent)
    assert sent == sorted(sites)
    assert registry.probes.count_documents({"campaign": "concurrent-2024"}) == len(sites)
