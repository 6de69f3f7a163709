"""JSON export (DESIGN.md's stable shape: ``model``, ``groups``, ``unreachable``; more keys are added, none removed)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any


def _default(o: Any) -> Any:
    if isinstance(o, (dt.datetime, dt.date)):
        return o.isoformat()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def dumps(result: dict[str, Any]) -> str:
    doc = {k: v for k, v in result.items() if k != "timings"}
    return json.dumps(doc, ensure_ascii=False, indent=1, default=_default)


def write(result: dict[str, Any], out: Path, lang: str = "zh") -> list[Path]:
    p = out / "scores.json"
    p.write_text(dumps(result), "utf-8")
    return [p]
