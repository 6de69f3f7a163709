"""The host-map switch: names mapped per port, wildcards, strict failures, Chromium rules."""
from __future__ import annotations

import json

import pytest

from govcrawl.resolver import HostMapError, chromium_host_rules, load_host_map, lookup


def test_lookup_per_port_and_wildcards(tmp_path):
    f = tmp_path / "hosts.json"
    f.write_text(json.dumps({
        "www.qindu.gov.cn": {"80": "127.0.0.1:8080", "443": "127.0.0.1:8443"},
        "*.xianyang.gov.cn": "127.0.0.1:9000",
        "WWW.KX.GOV.CN.": "127.0.0.1:1",
    }))
    m = load_host_map(str(f))
    assert lookup(m, "www.qindu.gov.cn", 80) == ("127.0.0.1", 8080)
    assert lookup(m, "WWW.QINDU.GOV.CN", 443) == ("127.0.0.1", 8443)
    assert lookup(m, "www.qindu.gov.cn", 8081) is None
    assert lookup(m, "a.b.xianyang.gov.cn", 80) == ("127.0.0.1", 9000)
    assert lookup(m, "www.kx.gov.cn", 443) == ("127.0.0.1", 1)
    assert lookup(m, "www.gov.cn", 80) is None
    rules = chromium_host_rules(m, 443)
    assert "MAP www.qindu.gov.cn 127.0.0.1:8443" in rules and "MAP *.xianyang.gov.cn 127.0.0.1:9000" in rules


@pytest.mark.parametrize("text,needle", [("[1,2]", "must be a JSON object"), ('{"a": "nowhere"}', "ip:port"), ("{bad", "not valid JSON")])
def test_bad_maps_are_refused(text, needle):
    with pytest.raises(HostMapError, match=needle):
        load_host_map(text)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(HostMapError, match="nope.json"):
        load_host_map(str(tmp_path / "nope.json"))
