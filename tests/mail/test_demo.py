"""The demo hook: a campaign to sandbox mailboxes with every outcome kind in its table."""
from __future__ import annotations

import datetime as dt
import secrets

import pytest


@pytest.fixture()
def demo_db(test_env):
    from govcrawl import store

    db = store.get_db("maildemo_" + secrets.token_hex(4))
    yield db
    db.client.drop_database(db.name)


def test_demo_campaign_has_every_outcome(demo_db):
    from mailprobe import demo
    from sandbox.responders import PROFILES

    sites = [{"_id": f"s{i:02d}", "name": f"测试市第{i}局", "group": "department" if i % 3 else "county",
              "emails": [f"zx{i:02d}@site{i:02d}.gov.cn" if i % 4 else f"ld{i:02d}@site{i:02d}.com.cn"], "active": True}
             for i in range(len(PROFILES) + 3)]
    demo_db.sites.insert_many(sites)
    fixed = dt.datetime.now(dt.timezone.utc)
    result = demo.run(demo_db, clock=lambda: fixed, campaign="demo-test", timeout=30)
    outcomes = {r["site_id"]: r["outcome"] for r in result.rows}
    assert set(outcomes.values()) >= {"replied", "auto_only", "bounced", "waiting"}
    by_profile = {result.profiles[sid]: outcomes[sid] for sid in outcomes}
    assert by_profile["dead"] == "bounced" and by_profile["full"] == "bounced" and by_profile["auto_only"] == "auto_only"
    assert by_profile["late"] == "replied" and by_profile["silent"] == "waiting"
    late = next(r for r in result.rows if result.profiles[r["site_id"]] == "late")
    assert late["delay_hours"] == pytest.approx(12 * 24, abs=0.1)
    assert "reply rate (Kaplan-Meier)" in result.table and "bounced" in result.table
    assert result.summary["reply_rate"]["30d"] > result.summary["reply_rate"]["1d"] > 0
