"""URL helpers shared by the spiders and the snapshot builder."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

_INDEX_RE = re.compile(r"/(?:index|default)\.(?:s?html?|jsp|php|aspx?)$", re.I)


@lru_cache(maxsize=65536)
def column_key(url: str) -> str:
    """A URL's identity for de-duplicating columns: no fragment, no index file, lowercase host."""
    parts = urlsplit(url.strip())
    path = _INDEX_RE.sub("/", parts.path or "/")
    return urlunsplit((parts.scheme.lower(), (parts.netloc or "").lower(), path, parts.query, ""))


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def site_base(hostname: str) -> str:
    """The domain a site owns: its host without a leading www."""
    hostname = hostname.lower().rstrip(".")
    return hostname[4:] if hostname.startswith("www.") else hostname


def same_site(url: str, site_host: str) -> bool:
    """True for http(s) URLs on the site's host or a subdomain of its base domain."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    h = (parts.hostname or "").lower()
    base = site_base(site_host)
    return h == site_host.lower() or h == base or h.endswith("." + base)
