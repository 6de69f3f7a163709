"""Mail benchmark: 500 probes sent and 500 replies collected against the local mail world.

Prints mailprobe's send rate (messages/s, one SMTP connection, probes recorded in MongoDB),
its collect rate (fetch + store raw + classify + match + recompute), and the send rate of
Postfix's own load generator ``smtp-source`` against the same server in the same run, one
session reusing its connection (``-d``), run just before and just after mailprobe (the mean is
the baseline).  During both send measurements Postfix
accepts and queues but holds delivery (``defer_transports = lmtp``), so that neither sender
competes with the LMTP deliveries of earlier mail for the machine's cores; delivery is then
released and the replies collected.  Targets: send >= 0.5 x smtp-source,
collect of 500 messages < 10 s.

    python bench/mail.py [--n 500]

Needs root and Debian's postfix + dovecot-imapd + dovecot-lmtpd (see docs/mailprobe.md).
Everything runs on 127.0.0.1; the database is a throwaway one on the embedded server.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailprobe import config as config_mod  # noqa: E402
from mailprobe.collect import collect_once  # noqa: E402
from mailprobe.send import send  # noqa: E402
from sandbox.mailworld import MailWorld  # noqa: E402
from sandbox.responders import Responders  # noqa: E402

SENDER = "pingjia@pgeval.net"
DOMAINS = [f"bench{i}.gov.cn" for i in range(10)]


def _count(d: Path) -> int:
    n = 0
    for sub in ("new", "cur"):
        p = d / sub
        if p.is_dir():
            n += len(os.listdir(p))
    return n


def _wait(pred, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(0.05)


def smtp_source_rate(world: MailWorld, n: int, sink: str) -> float:
    exe = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    t0 = time.monotonic()
    subprocess.run([exe, "-d", "-s", "1", "-m", str(n), "-l", "1500", "-f", SENDER, "-t", sink, "-M", "bench.pgeval.net",
                    f"127.0.0.1:{world.smtp_port}"], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=300)
    return n / (time.monotonic() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args(argv)
    n = args.n
    password = secrets.token_hex(8)
    world = MailWorld(domains=["pgeval.net", *DOMAINS])
    world.add_user(SENDER, password)
    world.add_user("sink@pgeval.net", password)
    responders = Responders(world)
    sites = []
    for i in range(n):
        addr = f"zx{i:04d}@{DOMAINS[i % len(DOMAINS)]}"
        responders.add(addr, "prompt", unit=f"测试县{i}人民政府")
        sites.append({"_id": f"b{i:04d}", "name": f"测试县{i}人民政府", "group": "county", "emails": [addr], "active": True})
    os.environ.setdefault("MONGO_DB", "bench_mail_" + secrets.token_hex(4))
    from govcrawl.store import get_db

    db = get_db()
    world.start()
    try:
        db.sites.insert_many(sites)
        cfg = config_mod.from_mapping({}, {
            "MAILPROBE_SENDER": SENDER, "MAILPROBE_SMTP_HOST": "127.0.0.1", "MAILPROBE_SMTP_PORT": str(world.smtp_port),
            "MAILPROBE_SMTP_SECURITY": "none", "MAILPROBE_SMTP_PASSWORD": password,
            "MAILPROBE_IMAP_HOST": "127.0.0.1", "MAILPROBE_IMAP_PORT": str(world.imap_port), "MAILPROBE_IMAP_SECURITY": "none",
            "MAILPROBE_IMAP_PASSWORD": password, "MAILPROBE_CAMPAIGN": "bench", "MAILPROBE_RATE": "0",
        })
        # Both senders meet the same server with delivery held (mail accepted and queued, not yet
        # handed to Dovecot), so the figures compare the SMTP submission paths alone.
        # smtp-source runs before and after mailprobe (the held queue grows) and the mean is the baseline.
        world.hold_delivery(True)
        before = smtp_source_rate(world, n, "sink@pgeval.net")
        t0 = time.monotonic()
        report = send(db, cfg)
        send_s = time.monotonic() - t0
        assert len(report.sent) == n, report.failed[:3]
        send_rate = n / send_s
        after = smtp_source_rate(world, n, "sink@pgeval.net")
        base = (before + after) / 2
        world.hold_delivery(False)
        _wait(world.queue_empty, 120, "the probes to be delivered")
        _wait(lambda: sum(_count(world.maildir(a) / "Maildir") for a in responders.mailboxes) >= n, 60, "probe delivery")
        responders.run_once()
        inbox = world.maildir(SENDER) / "Maildir"
        _wait(lambda: _count(inbox) >= n, 120, "the replies to arrive")
        t0 = time.monotonic()
        r = collect_once(db, cfg)
        collect_s = time.monotonic() - t0
        replied = db.probes.count_documents({"campaign": "bench", "result.outcome": "replied"})
        assert r.stored == n and replied == n, (r, replied)
        print(f"smtp-source (1 session, reused connection): {base:8.1f} msg/s  (before {before:.1f}, after {after:.1f})")
        print(f"mailprobe send  ({n} probes, 1 connection):  {send_rate:8.1f} msg/s  ratio {send_rate / base:.2f} (target >= 0.5)")
        print(f"mailprobe collect ({n} replies):            {n / collect_s:8.1f} msg/s  {collect_s:.2f} s (target < 10 s)")
        print(f"matched {r.matched}, all {replied} probes replied")
    finally:
        world.stop()
        db.client.drop_database(db.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
