"""Match a judged message to its probe, and derive a probe's results from all its messages.

Pure.  Matching order (notes/mail-world.md #13): In-Reply-To, References, the original
Message-ID enclosed in a DSN, the token in subject or body, the failed recipient of a bounce,
the sender's exact address, then the sender's domain (only when that domain was probed once).
Results are recomputed from the full list of a probe's messages, so collecting twice, or
re-classifying, never counts anything twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .quality import judge
from .workdays import hours_between, workdays_between


#: INTERNALDATE has whole seconds and servers' clocks differ: a reply may seem to precede its probe.
CLOCK_SKEW = dt.timedelta(minutes=5)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower().strip().rstrip(".") if "@" in (address or "") else ""


@dataclass
class ProbeIndex:
    by_msgid: dict[str, str] = field(default_factory=dict)
    by_token: dict[str, str] = field(default_factory=dict)
    by_address: dict[str, list[tuple[dt.datetime | None, str]]] = field(default_factory=dict)
    by_domain: dict[str, list[tuple[dt.datetime | None, str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, probes: Iterable[Mapping[str, Any]]) -> "ProbeIndex":
        idx = cls()
        for p in probes:
            pid = p["_id"]
            if p.get("message_id"):
                idx.by_msgid[p["message_id"].strip("<>").lower()] = pid
            if p.get("token"):
                idx.by_token[p["token"].upper()] = pid
            to = (p.get("to") or "").lower()
            when = p.get("sent_at") or p.get("queued_at")
            if to:
                idx.by_address.setdefault(to, []).append((when, pid))
                idx.by_domain.setdefault(domain_of(to), []).append((when, pid))
        return idx

    def _latest(self, cands: list[tuple[dt.datetime | None, str]], at: dt.datetime | None) -> str | None:
        usable = [(w, pid) for w, pid in cands if w is None or at is None or w <= at + CLOCK_SKEW]
        if not usable:
            return None
        usable.sort(key=lambda x: (x[0] is not None, x[0] or dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
        return usable[-1][1]

    def match(self, verdict: Mapping[str, Any], at: dt.datetime | None = None) -> tuple[str | None, str | None]:
        """(probe id, how) for a verdict (``Verdict.to_json()``), or (None, None)."""
        for how, ids in (("in-reply-to", verdict.get("in_reply_to")), ("references", verdict.get("references")),
                         ("dsn-message-id", verdict.get("original_message_ids"))):
            for mid in ids or []:
                pid = self.by_msgid.get(mid.strip("<>").lower())
                if pid:
                    return pid, how
        token = verdict.get("token")
        if token and token.upper() in self.by_token:
            return self.by_token[token.upper()], "token"
        if verdict.get("kind") == "bounce":
            for rcpt in verdict.get("failed_recipients") or []:
                pid = self._latest(self.by_address.get(rcpt.lower(), []), at)
                if pid:
                    return pid, "failed-recipient"
            return None, None
        sender = (verdict.get("sender") or "").lower()
        if sender:
            pid = self._latest(self.by_address.get(sender, []), at)
            if pid:
                return pid, "sender-address"
            dom = domain_of(sender)
            cands = list(self.by_domain.get(dom, []))
            if not cands:  # mail.xx.gov.cn answering for xx.gov.cn, or the other way round
                for d, lst in self.by_domain.items():
                    if dom and d and (dom.endswith("." + d) or d.endswith("." + dom)):
                        cands += lst
            if cands and len({pid for _w, pid in cands}) == 1:
                return cands[0][1], "sender-domain"
        return None, None


# --------------------------------------------------------------------------- results

OUTCOMES = ("replied", "auto_only", "bounced", "waiting", "failed", "unconfirmed")


def _aware(t: Any) -> dt.datetime | None:
    if t is None:
        return None
    if isinstance(t, dt.datetime) and t.tzinfo is None:
        return t.replace(tzinfo=dt.timezone.utc)
    return t


def probe_result(probe: Mapping[str, Any], messages: Iterable[Mapping[str, Any]],
                 holidays: frozenset[dt.date] = frozenset(), extra_workdays: frozenset[dt.date] = frozenset()) -> dict[str, Any]:
    """The stored per-probe result (what scoring reads), from the probe and all its messages."""
    msgs = sorted((m for m in messages if m.get("verdict")), key=lambda m: (_aware(m.get("internaldate")) or dt.datetime.max.replace(tzinfo=dt.timezone.utc), m.get("uid", 0)))
    sent_at = _aware(probe.get("sent_at"))
    state = probe.get("state")
    bounces = [m for m in msgs if m["verdict"]["kind"] == "bounce"]
    autos = [m for m in msgs if m["verdict"]["kind"] == "auto_reply"]
    humans = [m for m in msgs if m["verdict"]["kind"] == "human_reply"]
    challenges = [m for m in msgs if m["verdict"]["kind"] == "challenge"]
    perm = [m for m in bounces if m["verdict"].get("permanent")]
    res: dict[str, Any] = {
        "messages": len(msgs), "bounced": bool(perm), "bounce_temporary": bool(bounces) and not perm,
        "bounce": None, "auto_reply_at": _aware(autos[0].get("internaldate")) if autos else None,
        "challenge": bool(challenges), "replied": bool(humans), "first_reply_at": None,
        "delay_hours": None, "delay_workdays": None, "quality": None, "quality_reasons": [], "reply_excerpt": "",
    }
    if bounces:
        b = (perm or bounces)[0]["verdict"]
        res["bounce"] = {"permanent": bool(b.get("permanent")), "status": b.get("status", ""), "diagnostic": b.get("diagnostic", ""),
                         "failed_recipients": b.get("failed_recipients", [])}
    if humans:
        first = humans[0]
        at = _aware(first.get("internaldate"))
        res["first_reply_at"] = at
        if at and sent_at:
            at = max(at, sent_at)  # whole-second INTERNALDATE, clock skew: never a negative delay
            res["delay_hours"] = round(hours_between(sent_at, at), 3)
            res["delay_workdays"] = round(workdays_between(sent_at, at, holidays, extra_workdays), 3)
        v = first["verdict"]
        q = judge(v.get("reply_text", ""), v.get("signature", ""), probe.get("terms") or [])
        res["quality"], res["quality_reasons"] = q.score, q.reasons
        res["reply_excerpt"] = (v.get("reply_text") or "")[:200]
    if state == "failed":
        outcome = "failed"
    elif humans:
        outcome = "replied"
    elif perm:
        outcome = "bounced"
    elif autos:
        outcome = "auto_only"
    elif state == "queued" and not msgs:
        outcome = "unconfirmed"
    else:
        outcome = "waiting"
    res["outcome"] = outcome
    res["reached"] = True if (humans or autos) else (False if perm or state == "failed" else None)
    res["auto_only"] = outcome == "auto_only"
    return res
