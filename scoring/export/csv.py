"""CSV exports: scores.csv (every ranked site, per group, the notice's columns), unreachable.csv, evidence.csv.

UTF-8 with a BOM, so that Excel opens the Chinese correctly.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from . import grade_label, header, row_cells
from ..i18n import group_label, t

EVIDENCE_KEYS = ("site", "indicator", "item", "rule", "observation", "value", "url", "seen", "points", "max", "source", "detail")


def write(result: dict[str, Any], out: Path, lang: str = "zh") -> list[Path]:
    scores = out / "scores.csv"
    with open(scores, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow([t("group", lang), *header(result, lang), t("grade", lang), t("vetoes", lang), t("flags", lang),
                    t("stability", lang), t("site", lang)])
        for g, rows in result["groups"].items():
            for r in rows:
                st = r["stability"]
                w.writerow([group_label(g, lang), *row_cells(result, r, lang), grade_label(r, lang),
                            " ".join(v["id"] for v in r["vetoes"]), " ".join(v["id"] for v in r["flags"]),
                            f"{t('stable' if st['stable'] else 'fragile', lang)} ±{st['max_move']}", r["site"]])
    unreach = out / "unreachable.csv"
    with open(unreach, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow([t("group", lang), t("site_name", lang), t("url", lang), t("reason", lang), t("seen", lang), t("site", lang)])
        for u in result["unreachable"]:
            w.writerow([group_label(u["group"], lang), u["name"], u["url"], u["reason"], u.get("seen") or "", u["site"]])
    evidence = out / "evidence.csv"
    with open(evidence, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow([t(k, lang) if k not in ("source", "detail") else k for k in EVIDENCE_KEYS])
        for rows in result["groups"].values():
            for r in rows:
                for e in r["evidence"]:
                    w.writerow(["" if e.get(k) is None else e.get(k) for k in EVIDENCE_KEYS])
    return [scores, unreach, evidence]
