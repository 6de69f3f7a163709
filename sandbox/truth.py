"""What a static crawl of a sandbox site must find: the snapshot facts of the contract, derived from the
profile alone (the tests check them against the rendered pages).

Crawl model (the contract's "Snapshot facts"): the homepage; the list pages 1..max_list_pages of every
column found in the homepage navigation (level 1 and nested level 2) and in the sub-column (left) menus of
the level-1 column pages; a few article pages. Script-built navigation is invisible unless `render`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.profiles import Column, SiteProfile, home_items
from sandbox.vocab import disclosure_of, features_of


def home_nav_label(p: SiteProfile) -> str:
    """Text of the homepage entry of the main navigation, whitespace removed."""
    return "网站首页" if p.template == "table" else "首页"


def crawled_columns(p: SiteProfile, *, render: bool = False) -> list[Column]:
    """Columns a crawl discovers, in page order: each level-1 nav column followed by its sub-columns."""
    if not p.reachable or (p.nav_script_built and not render):
        return []
    out: list[Column] = []
    for col in p.level1:
        out.append(col)
        out.extend(p.children_of(col))
    return out


def item_count(col: Column, max_list_pages: int) -> int:
    if col.kind == "index" or col.blank:
        return 0
    return min(len(col.items), col.page_size * max(0, max_list_pages))


def newest_date(col: Column, max_list_pages: int) -> date | None:
    """Newest item date on the crawled list pages; deliberately future-dated items do not count (they are
    reported under `future_items`)."""
    n = item_count(col, max_list_pages)
    return max((it.date for it in col.items[:n] if not it.future), default=None)


def homepage_labels(p: SiteProfile, *, render: bool = False) -> list[str]:
    """Texts (link texts, image alt/title) of the links on the homepage."""
    labels: list[str] = [p.site_name + "网站", "政府信息公开专栏", "更多>>", "关于本站", "联系我们", "工作日历"]
    if not p.nav_script_built or render:
        labels.append(home_nav_label(p))
        for col in p.level1:
            labels.append(col.name)
            if p.nested_nav:
                labels.extend(k.name for k in p.children_of(col))
    labels.extend(col.name for col, _ in home_items(p))
    labels.extend(it.title for _, items in home_items(p) for it in items)
    labels.extend(f.label for f in p.features)
    labels.extend(d.label for d in p.disclosure_home)
    labels.extend(d.label for d in p.broken_links)
    return labels


def column_page_labels(p: SiteProfile, col: Column, max_list_pages: int) -> list[str]:
    """Link texts of a crawled column's list pages that the homepage does not already carry."""
    labels = [col.name]
    parent = p.column(col.parent) if col.parent else col
    labels.append(parent.name)
    labels.extend(k.name for k in p.children_of(parent))
    labels.extend(it.title for it in col.items[: item_count(col, max_list_pages)])
    if col.kind == "disclosure":
        labels.extend(d.label for d in p.disclosure_page)
    return labels


def expected(profile: SiteProfile, *, max_list_pages: int = 3, render: bool = False) -> dict[str, Any]:
    """The snapshot facts a crawl bounded by `max_list_pages` must find (`render`: with the script-built
    navigation executed). Dates are `datetime.date`; sets are Python sets. Items dated after the evaluation
    date (one very poor site forges two) count for item_count but not for newest_date or
    homepage_latest_date; they are listed under future_items.

    Keys: id, name, group, tier, reachable, failure_kind, site_name, legal_name_shown, nav_columns, nav_script_built, columns
    [{name, url, level, class, parent, blank, item_count, newest_date}], homepage_latest_date,
    disclosure, features, emails, identity {site_code, icp, psb, party_badge}, domain {host, gov_cn, https},
    broken_links, future_items [{title, url, date}].
    """
    p = profile
    out: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "group": p.group,
        "tier": p.tier,
        "reachable": p.reachable,
        "failure_kind": p.failure,
        "domain": {"host": p.host, "gov_cn": p.gov_cn, "https": p.https},
    }
    if not p.reachable:
        out.update({
            "site_name": None, "legal_name_shown": False, "nav_columns": [], "nav_script_built": False,
            "columns": [], "homepage_latest_date": None, "disclosure": set(), "features": set(),
            "emails": set(), "identity": {"site_code": None, "icp": None, "psb": None, "party_badge": False},
            "broken_links": set(), "future_items": [],
        })
        return out

    nav_visible = not p.nav_script_built or render
    columns = crawled_columns(p, render=render)
    out["site_name"] = p.site_name
    out["legal_name_shown"] = p.legal_name_shown
    out["nav_columns"] = [home_nav_label(p)] + [c.name for c in p.level1] if nav_visible else []
    out["nav_script_built"] = p.nav_script_built
    out["columns"] = [
        {
            "name": c.name,
            "url": p.base_url + c.path,
            "level": c.level,
            "class": c.cls,
            "parent": p.column(c.parent).name if c.parent else None,
            "blank": c.blank and c.kind != "index",
            "item_count": item_count(c, max_list_pages),
            "newest_date": newest_date(c, max_list_pages),
        }
        for c in columns
    ]
    shown = [it for _, items in home_items(p) for it in items]
    out["homepage_latest_date"] = max((it.date for it in shown if not it.future), default=None)

    labels = homepage_labels(p, render=render)
    if any(f.canonical == "网站地图" for f in p.features):
        # The crawler follows feature links; a static site map names every column, script-built nav or not.
        labels.extend(c.name for c in p.columns)
    for col in columns:
        labels.extend(column_page_labels(p, col, max_list_pages))
    out["disclosure"] = set().union(*(disclosure_of(x) for x in labels))
    out["features"] = set().union(*(features_of(x) for x in labels))

    crawled = {c.key for c in columns}
    mailbox_seen = any(c.kind == "mailbox" for c in columns if c.key in crawled)
    out["emails"] = {
        m.address.lower()
        for m in p.emails
        if m.form != "image" and (m.place == "footer" or (m.place == "mailbox" and mailbox_seen))
    }
    ident = p.identity
    assert ident is not None
    out["identity"] = {
        "site_code": ident.site_code if ident.site_code_place != "none" else None,
        "icp": ident.icp,
        "psb": ident.psb,
        "party_badge": ident.party_badge,
    }
    out["broken_links"] = {p.base_url + d.path for d in p.broken_links}
    seen_urls = {it.url for c in columns for it in c.items[: item_count(c, max_list_pages)]}
    seen_urls |= {it.url for it in shown}
    out["future_items"] = [
        {"title": it.title, "url": p.base_url + it.url, "date": it.date} for it in p.future_items if it.url in seen_urls
    ]
    return out


def expected_availability(profile: SiteProfile, rounds: int, *, limit: float = 15.0,
                          hang_seconds: float = 16.0) -> dict[str, Any]:
    """What `rounds` uptime checks (one homepage GET each, `limit` seconds each) of `profile` must record on a
    flaky sandbox started with `hang_seconds`: {visits, failures, share, kinds: {error class: count}}.
    Unreachable sites fail every check with their failure kind."""
    from sandbox.timeline import FLAP_KINDS, flap_at

    kinds: dict[str, int] = {}
    for n in range(rounds):
        if not profile.reachable:
            kind: str | None = profile.failure
        else:
            flap = flap_at(profile, n)
            delay = profile.slow_seconds + (hang_seconds if flap == "timeout" else 0.0)
            kind = "timeout" if delay >= limit else (FLAP_KINDS[flap] if flap else None)
        if kind:
            kinds[kind] = kinds.get(kind, 0) + 1
    failures = sum(kinds.values())
    return {"visits": rounds, "failures": failures, "share": failures / rounds if rounds else None,
            "kinds": dict(sorted(kinds.items()))}


def expected_board(profile: SiteProfile, max_list_pages: int = 5, *, max_details: int = 40,
                   column_list_pages: int = 3) -> dict[str, Any]:
    """What a crawl must report of the site's published letters (sandbox.boards), with the board's list
    followed to `max_list_pages` pages (GOVCRAWL_MAX_BOARD_PAGES; a list shown on a feature page is also
    followed to `column_list_pages` like any column) and at most `max_details` detail pages fetched for
    letters whose list entry lacks the reply (GOVCRAWL_MAX_BOARD_DETAILS), in list order.

    Keys: messages_seen, answered, unanswered, status_unknown, lag_days {median, p90 (nearest rank), max},
    unanswered_over_3_months_last_year, answered_over_3_months_last_year, newest_reply_date,
    oldest_unanswered_asked (ISO dates), real_name_required, captcha, layout (None: no published list)."""
    from math import ceil
    from statistics import median

    from sandbox.boards import board_of

    b = board_of(profile)
    empty = {"messages_seen": 0, "answered": 0, "unanswered": 0, "status_unknown": 0,
             "lag_days": {"median": None, "p90": None, "max": None}, "unanswered_over_3_months_last_year": 0,
             "answered_over_3_months_last_year": 0, "newest_reply_date": None, "oldest_unanswered_asked": None,
             "real_name_required": False, "captcha": False, "layout": None}
    if b is None:
        return empty
    pages = max(max_list_pages, column_list_pages) if b.variant == "inline" else max_list_pages
    seen = b.published[: pages * b.page_size]
    details = max_details
    rows = []  # (asked, answered date or None, status)
    for x in seen:
        ans = b.shown_answer(x)
        on_list = b.layout in ("table", "list") or (b.layout == "table_status" and ans is None)
        if on_list or details > 0:
            if not on_list:
                details -= 1
            rows.append((x.asked, ans, "answered" if ans else "unanswered"))
        else:  # the list alone does not say: 已回复 without a date, or nothing at all
            rows.append((x.asked, None, "answered" if b.layout == "table_status" else None))
    today = b.eval_date
    lags = sorted((a - q).days for q, a, _ in rows if a)
    unanswered = [q for q, _, s in rows if s == "unanswered"]
    out = dict(empty)
    out.update(
        messages_seen=len(rows),
        answered=sum(1 for _, _, s in rows if s == "answered"),
        unanswered=len(unanswered),
        status_unknown=sum(1 for _, _, s in rows if s is None),
        lag_days={"median": median(lags) if lags else None, "p90": lags[ceil(0.9 * len(lags)) - 1] if lags else None,
                  "max": lags[-1] if lags else None},
        unanswered_over_3_months_last_year=sum(1 for q in unanswered if 90 < (today - q).days <= 365),
        answered_over_3_months_last_year=sum(1 for q, a, _ in rows if a and (a - q).days > 90 and (today - q).days <= 365),
        newest_reply_date=max((a for _, a, _ in rows if a), default=None),
        oldest_unanswered_asked=min(unanswered, default=None),
        real_name_required=b.real_name, captcha=b.captcha, layout=b.layout,
    )
    for k in ("newest_reply_date", "oldest_unanswered_asked"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


def expected_links(profile: SiteProfile) -> dict[str, set[str]]:
    """The link check's verdicts (govcrawl.links) a crawl must report, as URL sets: broken (404/410),
    suspect (403, 5xx) and html_attachments (document links answered with an HTML page)."""
    p = profile
    out: dict[str, set[str]] = {"broken": set(), "suspect": set(), "html_attachments": set()}
    if not p.reachable:
        return out
    for dead in p.broken_links:
        out["broken" if dead.status in (404, 410) else "suspect"].add(p.base_url + dead.path)
    for trap in p.link_traps:
        url = p.base_url + trap.path
        if trap.status in (404, 410):
            out["broken"].add(url)
        elif trap.status >= 400:
            out["suspect"].add(url)
        elif trap.kind == "html_attachment":
            out["html_attachments"].add(url)
    return out
