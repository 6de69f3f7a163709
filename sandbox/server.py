"""The sandbox servers: one threaded HTTP/1.1 port and one HTTPS port on 127.0.0.1 serving every site by
its Host header, with pages rendered lazily and cached in memory.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import logging
import os
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.profiles import SiteProfile
from sandbox.render import Response, render

logger = logging.getLogger(__name__)

# Responses kept in memory; past this many (an endless calendar crawl) pages are rendered on every request.
_CACHE_MAX = 50_000

_REASONS = {200: "OK", 301: "Moved Permanently", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable"}

#: The Host header of the sandbox's control endpoint (no host map lists it, so no crawler reaches it):
#: GET /state; POST /clock?date=YYYY-MM-DD (advance the evaluation date); POST /flaky?on=1|0[&reset=1][&hang=S].
CONTROL_HOST = "sandbox.control"
_HOME_PATHS = ("/", "/index.html", "/index.htm", "/default.htm")
_MAINTENANCE = ("<html><head><meta charset=\"utf-8\"><title>系统维护中</title></head><body>"
                "<p>系统维护中，请稍后访问。</p></body></html>").encode("utf-8")


class SandboxError(Exception):
    """Base exception of the sandbox package."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 30  # idle keep-alive connections are closed after this many seconds

    server: _SiteServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(with_body=False)

    def do_POST(self) -> None:  # noqa: N802
        self._serve(with_body=True)

    def _serve(self, with_body: bool) -> None:
        host = (self.headers.get("Host") or "").split(":", 1)[0].strip().lower().rstrip(".")
        sandbox = self.server.sandbox
        if host == CONTROL_HOST:
            resp = sandbox.control(self.command, self.path)
        elif self.command == "POST":
            resp = Response(405, (("Content-Type", "text/plain"),), b"method not allowed\n")
        else:
            kind = sandbox.homepage_visit(host, self.path, self.server.scheme) if with_body else None
            if kind == "reset":
                self.close_connection = True
                return
            resp = sandbox.flap_response(kind) or sandbox.response(host, self.path, self.server.scheme)
            if self.command == "HEAD" and resp.header("X-Sandbox-Head") == "405":  # a server refusing HEAD
                resp = Response(405, (("Allow", "GET"), ("Content-Type", "text/html")), b"")
        self.send_response_only(resp.status, _REASONS.get(resp.status))
        self.send_header("Date", self.date_time_string())
        for key, value in resp.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if with_body and resp.body:
            self.wfile.write(resp.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        logger.debug("%s " + format, self.address_string(), *args)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], sandbox: Sandbox, scheme: str, context: ssl.SSLContext | None) -> None:
        self.sandbox = sandbox
        self.scheme = scheme
        self.context = context
        self._live: set[socket.socket] = set()
        self._live_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._live_lock:
            self._live.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._live_lock:
            self._live.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake up handler threads blocked on idle keep-alive connections so that they end now."""
        with self._live_lock:
            live = list(self._live)
        for sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS handshake in the connection's own thread, never in the accept loop.
        if self.context is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(10)
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.debug("TLS handshake with %s failed: %s", client_address, exc)
            return
        try:
            tls.settimeout(None)
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class Sandbox:
    """Serve the profiles on 127.0.0.1: HTTP on one port, HTTPS on another, both routed by Host header.

    >>> from sandbox.profiles import build_profiles
    >>> with Sandbox(build_profiles()) as sb:
    ...     sb.hostmap()["www.qindu.gov.cn"]
    """

    def __init__(self, profiles: list[SiteProfile], host: str = "127.0.0.1", *, http_port: int = 0,
                 https_port: int = 0, flaky: bool = False, hang_seconds: float = 16.0) -> None:
        self.profiles = list(profiles)
        self.host = host
        self._by_host = {p.host: p for p in self.profiles}
        # Flaky homepages (uptime checks): off by default, so that crawls see every homepage.
        self.flaky = flaky
        self.hang_seconds = hang_seconds
        self._visits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._http_port = http_port
        self._https_port = https_port
        self._cache: dict[tuple[str, str, str], Response] = {}
        self._servers: list[_SiteServer] = []
        self._threads: list[threading.Thread] = []
        self._closed_sock: socket.socket | None = None
        self._certdir: tempfile.TemporaryDirectory[str] | None = None
        self.cert_pem: bytes = b""

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._servers:
            return self
        http = _SiteServer((self.host, self._http_port), self, "http", None)
        context = self._tls_context()
        https = _SiteServer((self.host, self._https_port), self, "https", context)
        # The connect-failure host points at a port that is bound but never listens: connections are refused.
        closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        closed.bind((self.host, 0))
        self._closed_sock = closed
        self._servers = [http, https]
        for srv in self._servers:
            thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                                      name=f"sandbox-{srv.scheme}", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("sandbox serving %d sites on http://%s:%d and https://%s:%d", len(self.profiles),
                    self.host, self.http_port, self.host, self.https_port)
        return self

    def stop(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
            srv.close_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []
        if self._closed_sock is not None:
            self._closed_sock.close()
            self._closed_sock = None
        if self._certdir is not None:
            self._certdir.cleanup()
            self._certdir = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------------------
    @property
    def http_port(self) -> int:
        return self._port(0)

    @property
    def https_port(self) -> int:
        return self._port(1)

    @property
    def closed_port(self) -> int:
        if self._closed_sock is None:
            raise SandboxError("sandbox not started: call Sandbox.start() first")
        return self._closed_sock.getsockname()[1]

    def _port(self, i: int) -> int:
        if not self._servers:
            raise SandboxError("sandbox not started: call Sandbox.start() first")
        return self._servers[i].server_address[1]

    def hostmap(self) -> dict[str, dict[int, str]]:
        """{hostname: {80: "127.0.0.1:P", 443: "127.0.0.1:Q"}} for every site except the DNS-failure one;
        the connect-failure site maps both ports to a port where nothing listens."""
        out: dict[str, dict[int, str]] = {}
        for p in self.profiles:
            if p.failure == "dns":
                continue
            if p.failure == "connect":
                addr = f"{self.host}:{self.closed_port}"
                out[p.host] = {80: addr, 443: addr}
            else:
                out[p.host] = {80: f"{self.host}:{self.http_port}", 443: f"{self.host}:{self.https_port}"}
        return out

    def registry(self) -> list[dict[str, object]]:
        return registry(self.profiles)

    # -- serving ----------------------------------------------------------------------------------------
    def response(self, host: str, target: str, scheme: str) -> Response:
        key = (host, scheme, target)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        profile = self._by_host.get(host)
        if profile is None or profile.failure in ("dns", "connect"):
            resp = Response(404, (("Content-Type", "text/plain"),), b"unknown host\n")
        else:
            try:
                resp = render(profile, target, scheme=scheme)
            except Exception:  # a rendering bug must not kill the connection thread silently
                logger.exception("sandbox: rendering %s://%s%s failed", scheme, host, target)
                resp = Response(500, (("Content-Type", "text/plain"),), b"internal error\n")
        if len(self._cache) < _CACHE_MAX:
            self._cache[key] = resp
        return resp

    # -- time and flaky homepages ----------------------------------------------------------------------
    @property
    def eval_date(self) -> _dt.date:
        return self.profiles[0].eval_date

    def set_date(self, day: _dt.date) -> None:
        """Advance the sandbox's evaluation date (sandbox.timeline): same sites, newer items."""
        from sandbox.profiles import build_profiles

        if day < self.eval_date:
            raise SandboxError(f"the sandbox clock only moves forward ({self.eval_date} -> {day} refused)")
        profiles = build_profiles(self.profiles[0].seed, day)
        with self._lock:
            self.profiles = profiles
            self._by_host = {p.host: p for p in profiles}
            self._cache = {}
        logger.info("sandbox clock advanced to %s", day)

    def set_flaky(self, on: bool, reset: bool = False, hang_seconds: float | None = None) -> None:
        with self._lock:
            self.flaky = on
            if reset:
                self._visits = {}
            if hang_seconds is not None:
                self.hang_seconds = hang_seconds

    def homepage_visit(self, host: str, target: str, scheme: str) -> str | None:
        """Count a homepage GET of a flaky site and return how it fails (sandbox.timeline.flap_at), after
        the site's steady delay; None when it succeeds or the server is not flaky."""
        from sandbox.timeline import flap_at

        if not self.flaky or urlsplit(target).path not in _HOME_PATHS:
            return None
        p = self._by_host.get(host)
        if p is None or not p.reachable or (p.https and scheme == "http") or not (p.flap_share or p.slow_seconds):
            return None
        with self._lock:
            n = self._visits.get(p.id, 0)
            self._visits[p.id] = n + 1
        kind = flap_at(p, n)
        delay = p.slow_seconds + (self.hang_seconds if kind == "timeout" else 0.0)
        if delay:
            time.sleep(delay)
        return kind

    def flap_response(self, kind: str | None) -> Response | None:
        if kind == "http_status":
            return Response(503, (("Content-Type", "text/html"), ("Retry-After", "60")),
                            b"<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>")
        if kind == "error_page":
            return Response(200, (("Content-Type", "text/html; charset=utf-8"),), _MAINTENANCE)
        if kind == "empty_page":
            return Response(200, (("Content-Type", "text/html"),), b"")
        return None  # success, or "timeout": the normal page, too late

    def state(self) -> dict[str, Any]:
        return {"eval_date": self.eval_date.isoformat(), "flaky": self.flaky, "hang_seconds": self.hang_seconds,
                "homepage_visits": dict(sorted(self._visits.items()))}

    def control(self, method: str, target: str) -> Response:
        """The control endpoint (Host: sandbox.control): the clock and the flaky switch, as JSON."""
        parts = urlsplit(target)
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            if method == "POST" and parts.path == "/clock":
                self.set_date(_dt.date.fromisoformat(q["date"]))
            elif method == "POST" and parts.path == "/flaky":
                self.set_flaky(q.get("on", "1") not in ("0", "off", "false"), reset=q.get("reset") in ("1", "true"),
                               hang_seconds=float(q["hang"]) if "hang" in q else None)
            elif not (method in ("GET", "HEAD") and parts.path == "/state"):
                return Response(404, (("Content-Type", "text/plain"),), b"GET /state, POST /clock?date=, POST /flaky?on=\n")
        except (KeyError, ValueError, SandboxError) as exc:
            return Response(400, (("Content-Type", "text/plain; charset=utf-8"),), f"{exc}\n".encode())
        body = json.dumps(self.state()).encode()
        return Response(200, (("Content-Type", "application/json"),), body)

    # -- TLS --------------------------------------------------------------------------------------------
    def _tls_context(self) -> ssl.SSLContext:
        cert_pem, key_pem = self_signed_cert([p.host for p in self.profiles] + ["localhost"], [self.host])
        self.cert_pem = cert_pem
        self._certdir = tempfile.TemporaryDirectory(prefix="sandbox-tls-")
        cert_file = os.path.join(self._certdir.name, "cert.pem")
        key_file = os.path.join(self._certdir.name, "key.pem")
        with open(cert_file, "wb") as fh:
            fh.write(cert_pem)
        with open(key_file, "wb") as fh:
            fh.write(key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context


def self_signed_cert(hostnames: list[str], ips: list[str]) -> tuple[bytes, bytes]:
    """A self-signed certificate (PEM) for `hostnames` and `ips`, and its private key (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govcrawl sandbox")])
    now = _dt.datetime.now(_dt.timezone.utc)
    alt: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    alt += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return cert_pem, key_pem


def registry(profiles: list[SiteProfile]) -> list[dict[str, object]]:
    """Registry rows (id, name, group, url, emails, notes): what the evaluators know about each site.
    `emails` lists every consultation address the site publishes, image-only ones included."""
    rows = []
    for p in profiles:
        emails: list[str] = []
        for mail in p.emails:
            if mail.address not in emails:
                emails.append(mail.address)
        rows.append({
            "id": p.id,
            "name": p.name,
            "group": p.group,
            "url": p.url,
            "emails": emails,
            "notes": p.notes,
        })
    return rows


__all__ = ["Sandbox", "SandboxError", "registry", "self_signed_cert"]
