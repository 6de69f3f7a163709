"""The mail part of ``python -m govcrawl demo``: a campaign to the sandbox mailboxes, and its table.

    from mailprobe import demo
    result = demo.run(db)                 # every active site of db.sites, their latest snapshots
    print(result.table)                   # the campaign table (status.table)
    rows = result.rows                    # one dict per site: site_id, outcome, delay_hours, quality, ...

``run`` starts its own mail world (Debian's Postfix + Dovecot on 127.0.0.1, needs root; see
docs/mailprobe.md), gives every consultation address a simulated responder, sends the campaign
"``days_ago`` days ago" through the clock given to mailprobe, lets the responders answer with
delays, collects, and stops the mail world.  Every outcome kind is present: replied (prompt, late,
GBK, HTML-only, without In-Reply-To), auto-reply only, bounced (dead address, full mailbox),
challenge, and waiting.  Only this demo glue imports the sandbox; mailprobe itself never does.
"""
from __future__ import annotations

import datetime as dt
import secrets
import time
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from pymongo.database import Database

from . import config as config_mod
from .collect import collect_once
from .send import plan, send
from .status import summary, table

SENDER = "pingjia@pgeval.net"
#: Reply delays after the question (simulated), per responder profile.
DELAYS = {"prompt": dt.timedelta(hours=4), "gbk": dt.timedelta(days=1, hours=2), "html_only": dt.timedelta(days=2, hours=5),
          "no_in_reply_to": dt.timedelta(days=4), "late": dt.timedelta(days=12)}
#: Profiles by how good a site is likely to be (by a stable hash of its id), after one of each.
_POOL = ("prompt", "prompt", "prompt", "gbk", "html_only", "late", "no_in_reply_to", "auto_only", "auto_only",
         "silent", "silent", "dead", "full", "challenge")


#: For planning only (which addresses exist); the campaign's switch is then set to exactly those domains.
_ANY_SANDBOX = ("cn", "com", "net", "org")


@dataclass
class DemoResult:
    campaign: str
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    table: str
    profiles: dict[str, str] = field(default_factory=dict)  # site id -> responder profile


def assign_profiles(site_ids: Iterable[str]) -> dict[str, str]:
    """One responder profile per site: each kind once (so every outcome shows), then a stable mix."""
    from sandbox.responders import PROFILES

    ids = sorted(site_ids)
    out: dict[str, str] = {}
    for i, sid in enumerate(ids):
        out[sid] = PROFILES[i] if i < len(PROFILES) else _POOL[zlib.crc32(sid.encode()) % len(_POOL)]
    return out


def run(db: Database, sites: Iterable[str] | None = None, clock: Callable[[], dt.datetime] | None = None, *,
        campaign: str | None = None, days_ago: float = 20.0, timeout: float = 60.0,
        responder_profiles: dict[str, str] | None = None) -> DemoResult:
    """Run a whole campaign on the sandbox mail world; ``sites``: site ids (default: every active site)."""
    from sandbox.mailworld import MailWorld
    from sandbox.responders import Responders

    now = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    campaign = campaign or f"demo-{now():%Y%m%d-%H%M%S}"
    sent_clock = lambda: now() - dt.timedelta(days=days_ago)  # noqa: E731 - the campaign "was sent" days ago
    password = secrets.token_hex(12)
    base = config_mod.from_mapping({}, {
        "MAILPROBE_SENDER": SENDER, "MAILPROBE_SENDER_NAME": "张明",
        "MAILPROBE_SMTP_HOST": "127.0.0.1", "MAILPROBE_SMTP_SECURITY": "none", "MAILPROBE_SMTP_PORT": "25",
        "MAILPROBE_IMAP_HOST": "127.0.0.1", "MAILPROBE_IMAP_SECURITY": "none", "MAILPROBE_IMAP_PORT": "143",
        "MAILPROBE_CAMPAIGN": campaign, "MAILPROBE_RATE": "0",
    })
    only = sorted(sites) if sites is not None else None
    # Which addresses will be probed decides the mail world's domains; the safety switch allows exactly those.
    planned, _skipped = plan(db, base.with_campaign(allowed_domains=_ANY_SANDBOX), only)
    addresses = {p.site["_id"]: p.choice.address for p in planned if p.choice.address}
    domains = sorted({a.split("@")[1] for a in addresses.values()} | {SENDER.split("@")[1]})
    cfg = base.with_campaign(allowed_domains=tuple(domains))
    profiles = assign_profiles(addresses)
    if responder_profiles:  # the caller knows how each site answers (e.g. by the sandbox site's tier)
        profiles.update({sid: prof for sid, prof in responder_profiles.items() if sid in profiles})
    world = MailWorld(domains=domains)
    world.add_user(SENDER, password)
    responders = Responders(world, delays=dict(DELAYS), late_delay=DELAYS["late"])
    for sid, address in sorted(addresses.items()):
        if address in responders.mailboxes:  # two sites sharing one mailbox: the first profile wins
            profiles[sid] = responders.mailboxes[address].profile
            continue
        site = db.sites.find_one({"_id": sid}, {"name": 1}) or {}
        responders.add(address, profiles[sid], unit=str(site.get("name") or sid))
    world.start()
    try:
        cfg = replace(cfg, smtp=replace(cfg.smtp, port=world.smtp_port, password=config_mod.Secret(password), username=SENDER),
                      imap=replace(cfg.imap, port=world.imap_port, password=config_mod.Secret(password), username=SENDER))
        send(db, cfg, only=sorted(addresses), clock=sent_clock)
        expected = {"prompt", "late", "gbk", "html_only", "no_in_reply_to", "auto_only", "dead", "full"}
        # Wait until every probe whose responder answers has its answer (a count of messages is not
        # enough: a challenge notice may arrive before a slower bounce).
        want = {f"{campaign}/{sid}" for sid in addresses if profiles[sid] in expected}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            responders.run_once(now())
            collect_once(db, cfg, clock=now)
            got = set(db.messages.distinct("probe_id", {"probe_id": {"$regex": f"^{_re(campaign)}/"}}))
            if want <= got and world.queue_empty():
                break
            time.sleep(0.2)
    finally:
        world.stop()
    s = summary(db, campaign, now=now())
    return DemoResult(campaign=campaign, rows=s["sites"], summary=s, table=table(s), profiles=profiles)


def _re(text: str) -> str:
    import re

    return re.escape(text)
