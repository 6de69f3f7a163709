"""Why a request got no usable page: one small vocabulary shared by the spiders and the snapshots."""
from __future__ import annotations

from typing import Any

from twisted.internet import error as tx_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

DNS = "dns"
CONNECT = "connect"
TLS = "tls"
TIMEOUT = "timeout"
HTTP_STATUS = "http_status"
EMPTY_PAGE = "empty_page"
ERROR_PAGE = "error_page"  # an error or maintenance page served with 200 (uptime checks)
ROBOTS = "robots"
ERROR = "error"

#: Human-readable reasons (Chinese first: evaluators read them in exports).
REASONS = {
    DNS: "域名无法解析 (DNS lookup failed)",
    CONNECT: "无法连接服务器 (connection refused or unreachable)",
    TLS: "安全连接失败 (TLS handshake failed)",
    TIMEOUT: "访问超时 (timed out)",
    HTTP_STATUS: "服务器返回错误状态 (HTTP error status)",
    EMPTY_PAGE: "首页为空白页 (empty page)",
    ERROR_PAGE: "首页显示错误或维护页面 (error page served with 200)",
    ROBOTS: "robots.txt 禁止抓取 (forbidden by robots.txt)",
    ERROR: "访问出错 (other error)",
}

#: A page whose visible text is shorter than this is "empty".
EMPTY_PAGE_CHARS = 16


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (Scrapy 2.19 wraps Twisted errors in its own types)."""
    out: list[BaseException] = []
    while exc is not None and exc not in out and len(out) < 8:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def classify_failure(failure: Any) -> tuple[str, str]:
    """(kind, detail) for a Twisted Failure or exception from a download."""
    top = getattr(failure, "value", failure)
    detail = f"{type(top).__name__}: {top}"[:300]
    for exc in _chain(top):
        name = type(exc).__name__
        if isinstance(exc, tx_error.DNSLookupError) or name == "CannotResolveHostError":
            return DNS, detail
        if isinstance(exc, (tx_error.TimeoutError, tx_error.TCPTimedOutError)) or name == "DownloadTimeoutError":
            return TIMEOUT, detail
        if isinstance(exc, (tx_error.ConnectionRefusedError, tx_error.NoRouteError)) or name == "DownloadConnectionRefusedError":
            return CONNECT, detail
        if name == "IgnoreRequest" and "robots" in str(exc).lower():
            return ROBOTS, detail
        if isinstance(exc, (ResponseNeverReceived, ResponseFailed)):
            reasons = " ".join(repr(r) for r in getattr(exc, "reasons", []) or [])
            return (TLS if "SSL" in reasons or "TLS" in reasons else CONNECT), detail
        if "SSL" in name or "TLS" in name:
            return TLS, detail
        if isinstance(exc, tx_error.ConnectError):
            return CONNECT, detail
    return ERROR, detail
