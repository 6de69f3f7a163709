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
    ROBOTS: "robots.txt 禁止抓取 (forbidden by robots.txt)",
    ERROR: "访问出错 (other error)",
}

#: A page whose visible text is shorter than this is "empty".
EMPTY_PAGE_CHARS = 16


def classify_failure(failure: Any) -> tuple[str, str]:
    """(kind, detail) for a Twisted Failure or exception from a download."""
    exc = getattr(failure, "value", failure)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, tx_error.DNSLookupError):
        return DNS, detail
    if isinstance(exc, (tx_error.TimeoutError, tx_error.TCPTimedOutError)):
        return TIMEOUT, detail
    if isinstance(exc, (tx_error.ConnectionRefusedError, tx_error.ConnectError, tx_error.NoRouteError)):
        return CONNECT, detail
    if type(exc).__name__ == "IgnoreRequest" and "robots" in str(exc).lower():
        return ROBOTS, detail
    if isinstance(exc, (ResponseNeverReceived, ResponseFailed)):
        reasons = getattr(exc, "reasons", []) or []
        if any("SSL" in repr(r) or "TLS" in repr(r) for r in reasons):
            return TLS, detail
        return CONNECT, detail
    if "SSL" in type(exc).__name__ or "ssl" in str(exc).lower():
        return TLS, detail
    return ERROR, detail
