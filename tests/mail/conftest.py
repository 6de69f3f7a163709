"""Session fixtures of the mail tests: a real Postfix + Dovecot on 127.0.0.1, responders per profile,
and an isolated database (``MONGO_DB=mailtest_<random>``, dropped at the end)."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for p in (str(ROOT), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from mailprobe import config as config_mod  # noqa: E402
from sandbox.mailworld import MailWorld  # noqa: E402
from sandbox.responders import Responders  # noqa: E402

from mailtest_data import CRASH_ACCOUNT, CAMPAIGN, SENDER, SENDER_PASSWORD, SITES, _domains  # noqa: E402


@pytest.fixture(scope="session")
def mail_world():
    world = MailWorld(domains=_domains())
    world.add_user(SENDER, SENDER_PASSWORD)
    world.add_user(CRASH_ACCOUNT, SENDER_PASSWORD)
    world.start()
    yield world
    world.stop()


@pytest.fixture(scope="session")
def responders(mail_world):
    r = Responders(mail_world)
    for sid, name, _g, profile, reg, crawled in SITES:
        if sid == "nochannel":
            continue
        address = reg[0] if reg else next(a for a, c, _f in crawled if "局长" in c)
        r.add(address, profile, unit=name)
    return r


@pytest.fixture(scope="session")
def mail_env(mail_world):
    """The environment a user would set for the sandbox (password from the environment)."""
    return {
        "MAILPROBE_SENDER": SENDER, "MAILPROBE_SENDER_NAME": "张明",
        "MAILPROBE_SMTP_HOST": "127.0.0.1", "MAILPROBE_SMTP_PORT": str(mail_world.smtp_port),
        "MAILPROBE_SMTP_SECURITY": "none", "MAILPROBE_SMTP_USERNAME": SENDER, "MAILPROBE_SMTP_PASSWORD": SENDER_PASSWORD,
        "MAILPROBE_IMAP_HOST": "127.0.0.1", "MAILPROBE_IMAP_PORT": str(mail_world.imap_port),
        "MAILPROBE_IMAP_SECURITY": "none", "MAILPROBE_IMAP_PASSWORD": SENDER_PASSWORD,
        "MAILPROBE_CAMPAIGN": CAMPAIGN, "MAILPROBE_ALLOWED_DOMAINS": ".gov.cn,pgsw.com.cn", "MAILPROBE_RATE": "0",
    }


@pytest.fixture(scope="session")
def cfg(mail_env):
    return config_mod.from_mapping({}, mail_env)


@pytest.fixture(scope="session")
def mail_db(test_env):
    """A database of its own (on the session's server) so other suites' per-test wipes can't touch it."""
    from govcrawl import store

    name = "mailtest_" + secrets.token_hex(4)
    database = store.get_db(name)
    yield database
    database.client.drop_database(name)


@pytest.fixture(scope="session")
def registry(mail_db):
    db = mail_db
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    for sid, name, group, _p, reg, crawled in SITES:
        db.sites.replace_one({"_id": sid}, {
            "_id": sid, "name": name, "group": group, "url": f"http://{sid}.example.gov.cn/", "host": f"{sid}.example.gov.cn",
            "emails": reg, "notes": "", "active": True}, upsert=True)
        if crawled:
            db.snapshots.insert_one({"run_id": "old", "site_id": sid, "started_at": now - dt.timedelta(days=30),
                                     "emails": [{"address": "old@pgjt.gov.cn", "form": "mailto", "url": "", "context": "局长信箱"}]})
            db.snapshots.insert_one({"run_id": "new", "site_id": sid, "started_at": now, "emails": [
                {"address": a, "form": f, "url": f"http://{sid}.example.gov.cn/lxwm.html", "context": c} for a, c, f in crawled]})
    db.sites.replace_one({"_id": "inactive"}, {"_id": "inactive", "name": "已撤销单位", "group": "department",
                                               "emails": ["old@pgold.gov.cn"], "active": False}, upsert=True)
    return db
