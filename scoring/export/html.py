"""The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched from the network).

Sections: per-group ranking tables in the notice's layout (with grade, vetoes and rank stability), the
excellent sites, the unreachable sites with their reasons, charts (totals per group, mean per indicator,
availability over the window, reply rate by delay of the mail probes, rank/score change against a
previous evaluation, rank stability), what was missing, and the evidence behind every site's points.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from . import grade_label, header, indicator_labels, row_cells
from ..i18n import group_label, t

PALETTE = ("#2f6db5", "#d9822b", "#3a9a5b", "#b0413e", "#7a5ea8", "#5a7d8c", "#c9a227")
#: Per-site charts show at most this many sites per group (the tables show all).
CHART_SITES = 80

CSS = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #2f6db5;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #c8d0da;padding:3px 7px;text-align:center}
th{background:#dde6f0}td.name{text-align:left}tr.excellent td{background:#fff2cc}tr.vetoed td{color:#8a1f1f}
.meta{font-size:12px;color:#555}.missing{color:#8a5300}.chart{margin:8px 0 20px}.fragile{color:#b0413e;font-weight:bold}
details{margin:2px 0;font-size:12px}summary{cursor:pointer}.ev td{font-size:11px;text-align:left;max-width:420px;word-break:break-all}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def esc(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return esc(v)


# --------------------------------------------------------------------------- SVG charts


def hbar_chart(items: list[tuple[str, float]], title: str, width: int = 760, color: str = PALETTE[0],
               vmax: float | None = None) -> str:
    """Horizontal bars (label, value); negative values extend left of the zero line."""
    if not items:
        return ""
    bar_h, gap, left = 16, 4, 190
    vmin = min(0.0, min(v for _, v in items))
    top = max(0.0, vmax if vmax is not None else max(v for _, v in items)) or 1.0
    span = (top - vmin) or 1.0
    plot_w = width - left - 60
    h = 24 + len(items) * (bar_h + gap)
    zero = left + (0 - vmin) / span * plot_w
    out = [f'<svg class="chart" role="img" aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}">',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{esc(title)}</text>']
    for i, (label, v) in enumerate(items):
        y = 22 + i * (bar_h + gap)
        x0 = zero if v >= 0 else zero - (-v) / span * plot_w
        w = abs(v) / span * plot_w
        out.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">{esc(label[:22])}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" fill="{color}"><title>{esc(label)}: {v:.2f}</title></rect>')
        out.append(f'<text x="{x0 + w + 4 if v >= 0 else x0 - 4:.1f}" y="{y + 12}" font-size="11" text-anchor="{"start" if v >= 0 else "end"}">{v:.2f}</text>')
    out.append(f'<line x1="{zero:.1f}" y1="20" x2="{zero:.1f}" y2="{h}" stroke="#888"/>')
    out.append("</svg>")
    return "".join(out)


def grouped_bars(categories: list[str], series: dict[str, list[float]], title: str, width: int = 760, unit: str = "") -> str:
    """Vertical bars: one cluster per category, one bar per series."""
    if not categories or not series:
        return ""
    h, left, bottom, top = 260, 40, 40, 30
    vals = [v for s in series.values() for v in s] + [0.0]
    vmax, vmin = max(vals), min(vals)
    span = (vmax - vmin) or 1.0
    plot_h = h - bottom - top
    cw = (width - left - 10) / len(categories)
    bw = max(4.0, cw * 0.7 / len(series))
    y0 = top + vmax / span * plot_h
    out = [f'<svg class="chart" role="img" aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h + 20}" viewBox="0 0 {width} {h + 20}">',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{esc(title)}</text>',
           f'<line x1="{left}" y1="{y0:.1f}" x2="{width - 10}" y2="{y0:.1f}" stroke="#888"/>']
    for ci, cat in enumerate(categories):
        cx = left + ci * cw + cw * 0.15
        for si, (name, s) in enumerate(series.items()):
            v = s[ci]
            bh = abs(v) / span * plot_h
            y = y0 - bh if v >= 0 else y0
            x = cx + si * bw
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 1:.1f}" height="{max(bh, 0.5):.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                       f'<title>{esc(name)} {esc(cat)}: {v:.2f}{esc(unit)}</title></rect>')
            out.append(f'<text x="{x + bw / 2:.1f}" y="{(y - 3 if v >= 0 else y + bh + 11):.1f}" font-size="9" text-anchor="middle">{v:.1f}</text>')
        out.append(f'<text x="{left + ci * cw + cw / 2:.1f}" y="{h - bottom + 24}" font-size="11" text-anchor="middle">{esc(cat)}</text>')
    out.append(_legend_svg(list(series), left, h + 8))
    out.append("</svg>")
    return "".join(out)


def _legend_svg(names: list[str], x: float, y: float) -> str:
    parts = []
    for i, n in enumerate(names):
        xx = x + i * 170
        parts.append(f'<rect x="{xx}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{xx + 14}" y="{y}" font-size="11">{esc(n)}</text>')
    return "".join(parts)


def line_chart(series: dict[str, list[tuple[float, float]]], title: str, x_labels: dict[float, str] | None = None,
               y_range: tuple[float, float] = (0.0, 1.0), y_fmt: str = "{:.0%}", width: int = 760, step: bool = False,
               x_title: str = "") -> str:
    """Lines (or step curves) of (x, y) points per series."""
    pts = [p for s in series.values() for p in s]
    if not pts:
        return ""
    h, left, bottom, top = 260, 52, 44, 28
    xmin, xmax = min(p[0] for p in pts), max(p[0] for p in pts)
    xspan = (xmax - xmin) or 1.0
    ylo, yhi = y_range
    plot_w, plot_h = width - left - 20, h - top - bottom
    sx = lambda x: left + (x - xmin) / xspan * plot_w  # noqa: E731
    sy = lambda y: top + (1 - (y - ylo) / ((yhi - ylo) or 1.0)) * plot_h  # noqa: E731
    out = [f'<svg class="chart" role="img" aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h + 20}" viewBox="0 0 {width} {h + 20}">',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{esc(title)}</text>']
    for k in range(5):
        y = ylo + (yhi - ylo) * k / 4
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{width - 20}" y2="{sy(y):.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{left - 4}" y="{sy(y) + 4:.1f}" font-size="10" text-anchor="end">{esc(y_fmt.format(y))}</text>')
    labels = x_labels or {}
    shown = sorted(labels)[:: max(1, len(labels) // 8)] if labels else []
    for x in shown:
        out.append(f'<text x="{sx(x):.1f}" y="{h - bottom + 16}" font-size="10" text-anchor="middle">{esc(labels[x])}</text>')
    if x_title:
        out.append(f'<text x="{left + plot_w / 2:.1f}" y="{h - 6}" font-size="11" text-anchor="middle">{esc(x_title)}</text>')
    for i, (name, s) in enumerate(series.items()):
        s = sorted(s)
        if not s:
            continue
        coords = []
        for j, (x, y) in enumerate(s):
            if step and j:
                coords.append(f"{sx(x):.1f},{sy(s[j - 1][1]):.1f}")
            coords.append(f"{sx(x):.1f},{sy(y):.1f}")
        color = PALETTE[i % len(PALETTE)]
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(coords)}"><title>{esc(name)}</title></polyline>')
        if not step:
            for x, y in s:
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{color}"><title>{esc(name)}: {esc(y_fmt.format(y))}</title></circle>')
    out.append(_legend_svg(list(series), left, h + 12))
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- chart data (pure)


def availability_series(result: dict[str, Any], lang: str) -> tuple[dict[str, list[tuple[float, float]]], dict[float, str]]:
    by_day = result["charts"].get("availability_by_day") or {}
    days = sorted({d for g in by_day.values() for d in g})
    index = {d: float(i) for i, d in enumerate(days)}
    series = {group_label(g, lang): [(index[d], (n - bad) / n) for d, (n, bad) in sorted(dd.items()) if n]
              for g, dd in by_day.items()}
    return series, {v: k[5:] for k, v in index.items()}


def reply_curves(result: dict[str, Any], lang: str, horizon: int = 30) -> dict[str, list[tuple[float, float]]]:
    """Per group, the share of sent probes answered by a person within d days (d = 0..horizon)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in result["charts"].get("probes") or ():
        if p.get("outcome") in ("failed", "unconfirmed"):
            continue
        groups.setdefault(p.get("group") or "?", []).append(p)
    out = {}
    for g, ps in sorted(groups.items()):
        delays = sorted(p["delay_hours"] / 24 for p in ps if p.get("outcome") == "replied" and p.get("delay_hours") is not None)
        out[group_label(g, lang)] = [(float(d), sum(1 for x in delays if x <= d) / len(ps)) for d in range(horizon + 1)]
    return out


def indicator_means(result: dict[str, Any], lang: str) -> tuple[list[str], dict[str, list[float]]]:
    names = [i["name"] for i in result["model"]["indicators"]]
    weights = {i["name"]: i.get("weight") for i in result["model"]["indicators"]}
    series = {}
    for g, rows in result["groups"].items():
        vals = []
        for n in names:
            xs = [r["indicators"].get(n, 0.0) for r in rows]
            mean = sum(xs) / len(xs) if xs else 0.0
            w = weights.get(n)
            vals.append(100 * mean / w if w else mean)  # weighted: % of the indicator's maximum
        series[group_label(g, lang)] = vals
    return indicator_labels(result, lang), series


# --------------------------------------------------------------------------- page


def render(result: dict[str, Any], lang: str = "zh") -> str:
    m = result["model"]
    title = (m.get("title") or {}).get("en" if lang == "en" else "zh") or m["name"]
    parts = [f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
             f'<title>{esc(title)} - {esc(t("report_title", lang))}</title><style>{CSS}</style></head><body>',
             f"<h1>{esc(title)}：{esc(t('report_title', lang))}</h1>",
             f'<p class="meta">{esc(t("model", lang))}: {esc(m["name"])} v{esc(m["version"])}'
             f'{" preset " + esc(m["preset"]) if m.get("preset") else ""} · {esc(t("generated", lang))}: {esc(result["created_at"][:19])} · '
             f'evaluation {esc(result["id"])} · window {esc(result["inputs"]["window"]["from"][:10])} .. {esc(result["inputs"]["window"]["to"][:10])}</p>']
    if result["missing"]:
        parts.append(f'<p class="missing"><b>{esc(t("missing", lang))}:</b> ' + "; ".join(esc(x) for x in result["missing"]) + "</p>")
    # ranking tables
    for g, rows in result["groups"].items():
        parts.append(f'<h2 id="group-{esc(g)}">{esc(group_label(g, lang))}</h2>')
        cols = header(result, lang) + [t("grade", lang), t("vetoes", lang), t("stability", lang)]
        if any(r.get("previous") is not None for r in rows) or "previous" in (rows[0] if rows else {}):
            cols += [t("previous_rank", lang), t("rank_change", lang)]
        parts.append('<table class="ranking" data-group="' + esc(g) + '"><thead><tr>' + "".join(f"<th>{esc(c)}</th>" for c in cols) + "</tr></thead><tbody>")
        for r in rows:
            cells = row_cells(result, r, lang)
            st = r["stability"]
            stab = f'<span class="{"stable" if st["stable"] else "fragile"}">{esc(t("stable" if st["stable"] else "fragile", lang))} ±{st["max_move"]}</span>'
            cls = "excellent" if r["excellent"] else ("vetoed" if r["vetoes"] else "")
            tds = [f"<td>{_fmt(cells[0])}</td>", f'<td class="name">{esc(cells[1])}</td>'] + [f"<td>{_fmt(c)}</td>" for c in cells[2:]]
            tds += [f"<td>{esc(grade_label(r, lang))}</td>", f"<td>{esc(' '.join(v['id'] for v in r['vetoes']))}</td>", f"<td>{stab}</td>"]
            if "previous" in r:
                p = r["previous"]
                tds += [f"<td>{esc(p['rank']) if p else '-'}</td>",
                        f"<td>{('▲' + str(p['rank_change'])) if p and p['rank_change'] > 0 else ('▼' + str(-p['rank_change'])) if p and p['rank_change'] < 0 else '-'}</td>"]
            parts.append(f'<tr class="{cls}">' + "".join(tds) + "</tr>")
        parts.append("</tbody></table>")
    # excellent and unreachable
    parts.append(f"<h2>{esc(t('excellent', lang))}</h2><table id=\"excellent\"><thead><tr><th>{esc(t('group', lang))}</th><th>{esc(t('rank', lang))}</th>"
                 f"<th>{esc(t('site_name', lang))}</th><th>{esc(t('total', lang))}</th></tr></thead><tbody>")
    for g, rows in result["groups"].items():
        for r in rows:
            if r["excellent"]:
                parts.append(f"<tr><td>{esc(group_label(g, lang))}</td><td>{esc(r['rank'])}</td><td class=\"name\">{esc(r['name'])}</td><td>{_fmt(r['total'])}</td></tr>")
    parts.append("</tbody></table>")
    parts.append(f"<h2>{esc(t('unreachable', lang))}</h2><table id=\"unreachable\"><thead><tr><th>{esc(t('group', lang))}</th><th>{esc(t('site_name', lang))}</th>"
                 f"<th>{esc(t('url', lang))}</th><th>{esc(t('reason', lang))}</th><th>{esc(t('seen', lang))}</th></tr></thead><tbody>")
    for u in result["unreachable"]:
        parts.append(f"<tr><td>{esc(group_label(u['group'], lang))}</td><td class=\"name\">{esc(u['name'])}</td><td>{esc(u['url'])}</td>"
                     f"<td class=\"name\">{esc(u['reason'])}</td><td>{esc((u.get('seen') or '')[:19])}</td></tr>")
    parts.append("</tbody></table>")
    parts.append(_charts(result, lang))
    parts.append(_evidence(result, lang))
    parts.append("</body></html>")
    return "\n".join(parts)


def _charts(result: dict[str, Any], lang: str) -> str:
    out = [f"<h2>{esc(t('totals_chart', lang))}</h2>"]
    for g, rows in result["groups"].items():
        items = [(f"{r['rank']}. {r['name']}", float(r["total"])) for r in rows[:CHART_SITES]]
        out.append(hbar_chart(items, f"{group_label(g, lang)} - {t('total', lang)}", vmax=max([100.0] + [v for _, v in items])))
    cats, series = indicator_means(result, lang)
    out.append(f"<h2>{esc(t('indicator_chart', lang))}</h2>")
    out.append(grouped_bars(cats, series, t("indicator_chart", lang) + (" (%)" if result["model"]["kind"] == "weighted" else ""),
                            unit="%" if result["model"]["kind"] == "weighted" else ""))
    out.append(f"<h2>{esc(t('availability_chart', lang))}</h2>")
    av, labels = availability_series(result, lang)
    lo = min([y for s in av.values() for _, y in s] + [0.9])
    out.append(line_chart(av, t("availability_chart", lang), labels, (max(0.0, lo - 0.02), 1.0)) if av
               else f'<p class="missing">{esc(t("no_data", lang))}: checks</p>')
    out.append(f"<h2>{esc(t('reply_chart', lang))}</h2>")
    rc = reply_curves(result, lang)
    out.append(line_chart(rc, t("reply_chart", lang), {float(d): str(d) for d in range(0, 31, 5)}, (0.0, 1.0), step=True,
                          x_title=t("days", lang)) if rc else f'<p class="missing">{esc(t("no_data", lang))}: probes</p>')
    if result["params"].get("compare_to"):
        out.append(f"<h2>{esc(t('change_chart', lang))}</h2><p class=\"meta\">vs {esc(result['params']['compare_to'])}</p>")
        for g, rows in result["groups"].items():
            ch = [(r["name"], float(r["previous"]["rank_change"])) for r in rows[:CHART_SITES] if r.get("previous")]
            sc = [(r["name"], float(r["previous"]["score_change"])) for r in rows[:CHART_SITES] if r.get("previous")]
            out.append(hbar_chart(ch, f"{group_label(g, lang)} - {t('rank_change', lang)}", color=PALETTE[2]))
            out.append(hbar_chart(sc, f"{group_label(g, lang)} - {t('score_change', lang)}", color=PALETTE[1]))
    out.append(f"<h2>{esc(t('stability', lang))}</h2><p class=\"meta\">{esc(t('max_move', lang))}</p>")
    for g, rows in result["groups"].items():
        items = [(r["name"], float(r["stability"]["max_move"])) for r in rows[:CHART_SITES]]
        out.append(hbar_chart(items, f"{group_label(g, lang)} - {t('max_move', lang)}", color=PALETTE[3]))
    return "\n".join(out)


def _evidence(result: dict[str, Any], lang: str) -> str:
    keys = ("indicator", "item", "rule", "observation", "value", "points", "max", "url", "seen")
    out = [f"<h2>{esc(t('evidence', lang))}</h2>"]
    for g, rows in result["groups"].items():
        out.append(f"<h3>{esc(group_label(g, lang))}</h3>")
        for r in rows:
            out.append(f"<details><summary>{esc(r['rank'])}. {esc(r['name'])} - {_fmt(r['total'])}"
                       f"{' · ' + esc(', '.join(r['missing'])) if r['missing'] else ''}</summary><table class=\"ev\"><tr>"
                       + "".join(f"<th>{esc(t(k, lang))}</th>" for k in keys) + "</tr>")
            for e in r["evidence"]:
                out.append("<tr>" + "".join(f"<td>{_fmt(e.get(k))}</td>" for k in keys) + "</tr>")
            out.append("</table></details>")
    return "\n".join(out)


def write(result: dict[str, Any], out: Path, lang: str = "zh") -> list[Path]:
    p = out / "report.html"
    p.write_text(render(result, lang), "utf-8")
    return [p]
