"""The registry: files validated whole, refused with line and reason, loaded idempotently."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from govcrawl import registry
from govcrawl.registry import RegistryError

GOOD_YAML = textwrap.dedent("""\
    groups: [township]
    sites:
      - id: qindu
        name: 咸阳市秦都区人民政府
        group: county
        url: http://www.qindu.gov.cn/
        emails: [qdzf@qindu.gov.cn]
      - id: renshi
        name: 咸阳市人事局
        group: department
        url: https://www.xyrsj.gov.cn/
        notes: 优秀 2006
      - id: dazhai
        name: 大寨镇人民政府
        group: township
        url: http://dazhai.qindu.gov.cn
""")

GOOD_CSV = "id,name,group,url,emails,notes\nqindu,咸阳市秦都区人民政府,county,http://www.qindu.gov.cn/,qdzf@qindu.gov.cn;xx@qindu.gov.cn,\nrenshi,咸阳市人事局,department,https://www.xyrsj.gov.cn/,,\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return p


def test_yaml_and_csv_read_the_same_sites(tmp_path):
    y = registry.read_file(write(tmp_path, "s.yaml", GOOD_YAML))
    c = registry.read_file(write(tmp_path, "s.csv", GOOD_CSV))
    assert [s.id for s in y] == ["qindu", "renshi", "dazhai"]
    assert y[0].emails == ("qdzf@qindu.gov.cn",)
    assert c[0].emails == ("qdzf@qindu.gov.cn", "xx@qindu.gov.cn")
    assert y[1].host == "www.xyrsj.gov.cn" and c[1].url == "https://www.xyrsj.gov.cn/"
    assert y[2].group == "township"  # declared by the file's groups list


@pytest.mark.parametrize(
    "content,line,needle",
    [
        ("id,name,group,url\na,甲,county,http://a.gov.cn/\na,乙,county,http://b.gov.cn/\n", 3, "duplicate id 'a' (first on line 2)"),
        ("id,name,group,url\na,甲,county,ftp://a.gov.cn/\n", 2, "must start with http"),
        ("id,name,group,url\na,甲,county,http://exa mple/\n", 2, "bad url"),
        ("id,name,group,url\na,甲,province,http://a.gov.cn/\n", 2, "unknown group 'province'"),
        ("id,name,url\na,甲,http://a.gov.cn/\n", 1, "missing column(s): group"),
        ("id,name,group,url\na,,county,http://a.gov.cn/\n", 2, "missing name"),
        ("id,name,group,url,emails\na,甲,county,http://a.gov.cn/,not-an-address\n", 2, "bad e-mail"),
        ("id,name,group,url\nA B,甲,county,http://a.gov.cn/\n", 2, "bad id"),
    ],
)
def test_bad_csv_is_refused_with_line_and_reason(tmp_path, content, line, needle):
    with pytest.raises(RegistryError) as err:
        registry.read_file(write(tmp_path, "bad.csv", content))
    assert any(l == line and needle in msg for l, msg in err.value.problems), err.value.problems
    assert f"bad.csv:{line}:" in str(err.value)


def test_gbk_file_from_excel_is_refused_with_a_hint(tmp_path):
    content = "id,name,group,url\nqindu,咸阳市秦都区人民政府,county,http://www.qindu.gov.cn/\n".encode("gbk")
    with pytest.raises(RegistryError) as err:
        registry.read_file(write(tmp_path, "excel.csv", content))
    (line, msg), = err.value.problems
    assert line == 2 and "GBK" in msg


def test_yaml_errors_carry_the_line_of_the_site(tmp_path):
    bad = GOOD_YAML.replace("group: department", "group: ministry")
    with pytest.raises(RegistryError) as err:
        registry.read_file(write(tmp_path, "s.yaml", bad))
    (line, msg), = err.value.problems
    assert line == 10 and "ministry" in msg  # the line of the group field
    with pytest.raises(RegistryError) as err:
        registry.read_file(write(tmp_path, "broken.yaml", "sites:\n  - id: a\n    name: [unclosed\n"))
    assert "invalid YAML" in str(err.value)


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    content = "id,name,group,url\na,甲,county,http://a.gov.cn/\na,乙,nowhere,nope\n"
    with pytest.raises(RegistryError) as err:
        registry.read_file(write(tmp_path, "bad.csv", content))
    msgs = " | ".join(m for _, m in err.value.problems)
    assert "duplicate id" in msgs and "unknown group" in msgs and "bad url" in msgs


def test_load_is_idempotent_and_reports_changes(db, tmp_path):
    sites = registry.read_file(write(tmp_path, "s.yaml", GOOD_YAML))
    first = registry.load(db, sites)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    before = list(db.sites.find().sort("_id", 1))
    second = registry.load(db, sites)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert list(db.sites.find().sort("_id", 1)) == before  # not even updated_at moved
    changed = registry.read_file(write(tmp_path, "s2.yaml", GOOD_YAML.replace("优秀 2006", "优秀 2007")))
    third = registry.load(db, changed)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 2)
    doc = db.sites.find_one({"_id": "renshi"})
    assert doc["notes"] == "优秀 2007" and doc["added_at"] == before[1]["added_at"]


def test_cli_refuses_a_bad_file_and_loads_nothing(db, tmp_path):
    bad = write(tmp_path, "bad.csv", GOOD_CSV + "renshi,重复,department,http://x.gov.cn/,,\n")
    proc = subprocess.run([sys.executable, "-m", "govcrawl", "sites", "load", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "bad.csv:4: duplicate id 'renshi'" in proc.stderr
    assert db.sites.count_documents({}) == 0
    good = write(tmp_path, "good.csv", GOOD_CSV)
    proc = subprocess.run([sys.executable, "-m", "govcrawl", "sites", "load", str(good)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "2 added" in proc.stdout
    listing = subprocess.run([sys.executable, "-m", "govcrawl", "sites", "list"], capture_output=True, text=True, timeout=60)
    assert "qindu" in listing.stdout and "咸阳市人事局" in listing.stdout
