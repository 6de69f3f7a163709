"""XLSX export (openpyxl): one sheet per group in the notice's layout, the excellent list, the unreachable
list, the evidence behind every point, rank stability, and a notes sheet (model, inputs, what was missing)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import grade_label, header, indicator_labels, row_cells
from ..i18n import group_label, t

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
EXCELLENT_FILL = PatternFill("solid", fgColor="FFF2CC")
EVIDENCE_KEYS = ("site", "indicator", "item", "rule", "observation", "value", "url", "seen", "points", "max", "source", "detail")


def sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", text)[:31] or "sheet"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _head(ws: Any, row: int, cells: list[str]) -> None:
    for i, v in enumerate(cells, 1):
        c = ws.cell(row=row, column=i, value=v)
        c.font = BOLD
        c.fill = HEAD_FILL
        c.alignment = Alignment(horizontal="center")


def _widths(ws: Any, widths: list[int]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _cell(v: Any) -> Any:
    if isinstance(v, (list, dict)):
        return str(v)
    return v


def write(result: dict[str, Any], out: Path, lang: str = "zh") -> list[Path]:
    wb = Workbook()
    used: set[str] = set()
    first = True
    title = (result["model"].get("title") or {}).get("en" if lang == "en" else "zh") or result["model"]["name"]
    for g, rows in result["groups"].items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet_name(group_label(g, lang), used)
        ws.cell(row=1, column=1, value=f"{title} - {group_label(g, lang)}").font = Font(bold=True, size=13)
        cols = header(result, lang) + [t("grade", lang), t("vetoes", lang), t("stability", lang)]
        _head(ws, 2, cols)
        for i, r in enumerate(rows, 3):
            st = r["stability"]
            vals = row_cells(result, r, lang) + [grade_label(r, lang), " ".join(v["id"] for v in r["vetoes"]),
                                                 f"{t('stable' if st['stable'] else 'fragile', lang)} ±{st['max_move']}"]
            for j, v in enumerate(vals, 1):
                c = ws.cell(row=i, column=j, value=v)
                if r["excellent"]:
                    c.fill = EXCELLENT_FILL
        ws.freeze_panes = "A3"
        _widths(ws, [10, 30, 9] + [11] * len(indicator_labels(result, lang)) + [14, 14, 14])
    if first:
        wb.active.title = sheet_name(t("notes", lang), used)
    ws = wb.create_sheet(sheet_name(t("excellent", lang), used))
    _head(ws, 1, [t("group", lang), t("rank", lang), t("site_name", lang), t("total", lang)])
    n = 2
    for g, rows in result["groups"].items():
        for r in rows:
            if r["excellent"]:
                for j, v in enumerate([group_label(g, lang), r["rank"], r["name"], r["total"]], 1):
                    ws.cell(row=n, column=j, value=v)
                n += 1
    _widths(ws, [22, 8, 30, 10])
    ws = wb.create_sheet(sheet_name(t("unreachable", lang), used))
    _head(ws, 1, [t("group", lang), t("site_name", lang), t("url", lang), t("reason", lang), t("seen", lang)])
    for i, u in enumerate(result["unreachable"], 2):
        for j, v in enumerate([group_label(u["group"], lang), u["name"], u["url"], u["reason"], u.get("seen") or ""], 1):
            ws.cell(row=i, column=j, value=v)
    _widths(ws, [22, 30, 36, 40, 28])
    ws = wb.create_sheet(sheet_name(t("evidence", lang), used))
    _head(ws, 1, [t(k, lang) if k not in ("source", "detail") else k for k in EVIDENCE_KEYS])
    n = 2
    for rows in result["groups"].values():
        for r in rows:
            for e in r["evidence"]:
                for j, k in enumerate(EVIDENCE_KEYS, 1):
                    ws.cell(row=n, column=j, value=_cell(e.get(k)))
                n += 1
    ws.freeze_panes = "A2"
    _widths(ws, [14, 12, 22, 30, 24, 12, 40, 26, 8, 8, 10, 50])
    ws = wb.create_sheet(sheet_name(t("stability", lang), used))
    _head(ws, 1, [t("group", lang), t("site_name", lang), t("rank", lang), t("max_move", lang), t("stability", lang), "worst"])
    n = 2
    for g, rows in result["groups"].items():
        for r in rows:
            st = r["stability"]
            for j, v in enumerate([group_label(g, lang), r["name"], r["rank"], st["max_move"],
                                   t("stable" if st["stable"] else "fragile", lang), st.get("worst") or ""], 1):
                ws.cell(row=n, column=j, value=v)
            n += 1
    ws = wb.create_sheet(sheet_name(t("notes", lang), used)) if t("notes", lang) not in used else wb[t("notes", lang)]
    m = result["model"]
    notes = [(t("model", lang), f"{m['name']} v{m['version']} ({m['kind']}), preset {m.get('preset') or '-'}, sha256 {m['sha256'][:16]}"),
             ("evaluation", result["id"]), (t("generated", lang), result["created_at"]),
             ("window", f"{result['inputs']['window']['from']} .. {result['inputs']['window']['to']}")]
    notes += [(t("inputs", lang), f"{k}: {v}") for k, v in result["inputs"].items() if k != "window"]
    notes += [(t("missing", lang), x) for x in result["missing"]]
    for i, (k, v) in enumerate(notes, 1):
        ws.cell(row=i, column=1, value=k).font = BOLD
        ws.cell(row=i, column=2, value=_cell(v))
    _widths(ws, [18, 100])
    p = out / "scores.xlsx"
    wb.save(p)
    return [p]
