"""Exports of one evaluation (the dict of ``scoring.evaluate``): CSV, XLSX, JSON and the HTML report.

All of them use the notice's layout per group (排名, 网站名称, 总分, the five indicators) and its labels,
in Chinese or, with ``lang='en'``, English.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..i18n import group_label, t

FORMATS = ("csv", "xlsx", "html", "json")


def indicator_labels(result: dict[str, Any], lang: str) -> list[str]:
    return [(i["en"] if lang == "en" else i["name"]) for i in result["model"]["indicators"]]


def grade_label(row: dict[str, Any], lang: str) -> str:
    g = row.get("grade") or ""
    key = {"excellent": "excellent_grade", "good": "good", "pass": "pass", "fail": "fail", "fail_veto": "fail_veto"}.get(g)
    label = t(key, lang) if key else ""
    if row.get("excellent") and g != "excellent":
        label = (label + " / " if label else "") + t("excellent_grade", lang)
    if row.get("cut_by_tiebreak"):
        label += f" ({t('tiebreak', lang)})"
    return label


def header(result: dict[str, Any], lang: str) -> list[str]:
    return [t("rank", lang), t("site_name", lang), t("total", lang), *indicator_labels(result, lang)]


def row_cells(result: dict[str, Any], row: dict[str, Any], lang: str) -> list[Any]:
    names = [i["name"] for i in result["model"]["indicators"]]
    rank = f"{row['rank']}" + (f" ({t('tie', lang)})" if row["tied"] else "")
    return [rank, row["name"], row["total"], *[row["indicators"].get(n) for n in names]]


def group_title(result: dict[str, Any], group: str, lang: str) -> str:
    return group_label(group, lang)


def write(result: dict[str, Any], formats: list[str], out: Path, lang: str = "zh") -> list[Path]:
    """Write the formats asked for into ``out``; returns the files written."""
    from . import csv as csv_export, html, json as json_export, xlsx
    writers: dict[str, Callable[[dict[str, Any], Path, str], list[Path]]] = {
        "csv": csv_export.write, "xlsx": xlsx.write, "html": html.write, "json": json_export.write}
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for f in formats:
        files += writers[f](result, out, lang)
    return files
