"""Compare a crawl snapshot with the sandbox's ground truth for the same site (shared by the crawl tests)."""
from __future__ import annotations

from typing import Any

FIELDS = ("site_name", "legal_name_shown", "nav_columns", "nav_script_built", "homepage_latest_date",
          "disclosure", "features", "emails", "identity", "domain", "broken_links", "columns")


def observed(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's facts in the truth's shape."""
    return {
        "site_name": (snap["homepage"] or {}).get("site_name"),
        "legal_name_shown": (snap["homepage"] or {}).get("legal_name_shown"),
        "nav_columns": snap["nav_columns"],
        "nav_script_built": snap["nav_script_built"],
        "homepage_latest_date": (snap["freshness"] or {}).get("homepage_latest_date"),
        "disclosure": set(snap["disclosure_names"]),
        "features": set(snap["feature_names"]),
        "emails": {e["address"] for e in snap["emails"]},
        "identity": snap["identity"],
        "domain": {k: snap["domain"][k] for k in ("host", "gov_cn", "https")},
        "broken_links": {b["url"] for b in snap["broken_links"]},
    }


def differences(snap: dict[str, Any], exp: dict[str, Any], fields: tuple[str, ...] = FIELDS) -> list[tuple]:
    """Every way the snapshot differs from the truth ([] when it matches)."""
    sid = exp["id"]
    if snap["reachable"] != exp["reachable"]:
        return [(sid, "reachable", snap["reachable"], exp["reachable"])]
    if not exp["reachable"]:
        kind = snap["failure"]["kind"]
        return [] if kind == exp["failure_kind"] else [(sid, "failure", kind, exp["failure_kind"])]
    got = observed(snap)
    wrong: list[tuple] = []
    for field in fields:
        if field == "columns":
            exp_cols = {(c["name"], c["level"]): c for c in exp["columns"]}
            got_cols = {(c["name"], c["level"]): c for c in snap["columns"]}
            if set(exp_cols) != set(got_cols):
                wrong.append((sid, "column set", sorted(set(exp_cols) ^ set(got_cols))))
                continue
            for key, ec in exp_cols.items():
                for k in ("class", "parent", "blank", "item_count", "newest_date"):
                    want = ec[k].isoformat() if k == "newest_date" and ec[k] else ec[k]
                    if got_cols[key][k] != want:
                        wrong.append((sid, key, k, got_cols[key][k], want))
            continue
        want = exp[field]
        if field == "homepage_latest_date" and want is not None:
            want = want.isoformat()
        if got[field] != want:
            wrong.append((sid, field, got[field], want))
    return wrong
