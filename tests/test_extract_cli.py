"""``python -m govcrawl extract``: govcrawl.extract.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcrawl.extract.cli import main

EDGE = Path(__file__).parent / "fixtures" / "pages" / "edge"


def test_prints_facts_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main([str(EDGE / "md-dates-year-boundary.html"), "--url", "http://slj.xys.gov.cn/gzdt/", "--now", "2008-01-03"])
    out = capsys.readouterr().out
    assert rc == 0
    facts = json.loads(out)
    assert facts["latest_item_date"] == "2008-01-02"
    assert "工作动态" in out  # not ASCII-escaped
    assert out.startswith("{\n  ")  # indented


def test_unreadable_page_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"
    rc = main([str(missing), "--url", "http://www.xys.gov.cn/"])
    err = capsys.readouterr().err
    assert rc == 1
    assert str(missing) in err and "cannot read" in err


@pytest.mark.parametrize("argv", [[], ["page.html"], ["page.html", "--url", "http://x/", "--now", "20-12-2007"]])
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "example:" in capsys.readouterr().out
