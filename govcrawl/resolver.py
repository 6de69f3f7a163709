"""The one switch that sends real-looking hostnames to local servers (the sandbox), for Scrapy and Chromium.

A host map is a JSON object ``{"www.qindu.gov.cn": {"80": "127.0.0.1:8080", "443": "127.0.0.1:8443"},
"www.x.gov.cn": "127.0.0.1:8080"}``.  URLs keep no port and the Host header stays real; the
resolver answers with the mapped address *and port*.  With ``strict`` on, a name the map does not
list fails like a DNS error, so nothing ever leaves the machine.  With no map, plain DNS is used.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Mapping, Sequence

from scrapy.resolver import CachingHostnameResolver, HostResolution
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

logger = logging.getLogger(__name__)

HostMap = dict[str, dict[int | None, tuple[str, int]]]


class HostMapError(ValueError):
    """The host map file or text is malformed."""


def _addr(value: str, where: str) -> tuple[str, int]:
    ip, sep, port = str(value).rpartition(":")
    if not sep or not port.isdigit():
        raise HostMapError(f"{where}: expected 'ip:port', got {value!r}")
    return ip, int(port)


def parse_host_map(data: Mapping[str, Any], where: str = "host map") -> HostMap:
    """Normalise a host map: lowercase names, ``None`` as the any-port key."""
    out: HostMap = {}
    for host, target in data.items():
        entry: dict[int | None, tuple[str, int]] = {}
        if isinstance(target, Mapping):
            for port, addr in target.items():
                key = None if str(port) in ("*", "") else int(port)
                entry[key] = _addr(addr, f"{where}: {host}")
        else:
            entry[None] = _addr(target, f"{where}: {host}")
        out[host.lower().rstrip(".")] = entry
    return out


def load_host_map(spec: str) -> HostMap:
    """Read a host map from a JSON file path (or inline JSON text)."""
    spec = spec.strip()
    try:
        data = json.loads(spec) if spec[:1] in ("{", "[") else json.loads(Path(spec).read_text("utf-8"))
    except OSError as exc:
        raise HostMapError(f"cannot read host map {spec!r}: {exc.strerror}") from exc
    except ValueError as exc:
        raise HostMapError(f"host map {spec!r} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise HostMapError(f"host map {spec!r} must be a JSON object")
    return parse_host_map(data, spec)


def lookup(host_map: HostMap, host: str, port: int | None) -> tuple[str, int] | None:
    """The mapped address for host:port; ``*.suffix`` entries match subdomains."""
    host = host.lower().rstrip(".")
    candidates = [host] + ["*." + host.split(".", i)[-1] for i in range(1, host.count(".") + 1)]
    for name in candidates:
        entry = host_map.get(name)
        if entry:
            return entry.get(port) or entry.get(None)
    return None


def chromium_host_rules(host_map: HostMap, port: int = 80) -> str:
    """``--host-resolver-rules`` value mapping every host for one scheme's port (Chromium has no per-port MAP)."""
    rules = []
    for host, entry in sorted(host_map.items()):
        addr = entry.get(port) or entry.get(None)
        if addr:
            rules.append(f"MAP {host} {addr[0]}:{addr[1]}")
    return ", ".join(rules)


@implementer(IHostnameResolver)
class HostMapResolver(CachingHostnameResolver):
    """Scrapy's caching resolver plus the host map (``GOVCRAWL_HOST_MAP``)."""

    def __init__(self, reactor: Any, cache_size: int, host_map: HostMap | None = None, strict: bool = True):
        super().__init__(reactor, cache_size)
        self.host_map = host_map or {}
        self.strict = strict

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> "HostMapResolver":
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        spec = settings.get("GOVCRAWL_HOST_MAP") or ""
        host_map = load_host_map(spec) if spec else {}
        if host_map:
            logger.info("host map active: %d names mapped locally", len(host_map))
        return cls(reactor, cache_size, host_map, settings.getbool("GOVCRAWL_HOST_MAP_STRICT", True))

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        if not self.host_map:
            return super().resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics)
        target = lookup(self.host_map, hostName, portNumber)
        if target is None and not self.strict:
            return super().resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics)
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        if target is not None:
            resolutionReceiver.addressResolved(IPv4Address("TCP", target[0], target[1]))
        resolutionReceiver.resolutionComplete()
        return resolution
